"""What every handler needs: the services, the sign-in sessions and the data directory."""

import copy
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from assistant.services import Services
from assistant.storage import DraftStore
from assistant.users import User
from ui.sessions import Sessions

SESSION_HOURS = 8


@dataclass
class AppContext:
    svc: Services
    sessions: Sessions

    @classmethod
    def create(cls, svc: Services, session_hours: float = SESSION_HOURS) -> "AppContext":
        return cls(svc, Sessions(svc.users, timedelta(hours=session_hours)))

    @property
    def home(self):
        return self.svc.settings.home

    def generator_for(self, user: User):
        """The generator whose drafts are authored by ``user`` (the signed-in writer)."""
        gen = copy.copy(self.svc.generator)
        gen.store = DraftStore(self.svc.engine, on_save=partial(self.svc.workflow.record_draft, author=user.name))
        return gen
