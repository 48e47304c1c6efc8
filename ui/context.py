"""What every handler needs: the services, the sign-in sessions and the data directory."""

from dataclasses import dataclass
from datetime import timedelta

from assistant.services import Services
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
