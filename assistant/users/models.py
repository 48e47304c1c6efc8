"""Roles and what each may do. Reviewers can do everything writers can; admins everything.

The acting user of every change is a ``User``: a signed-in user (``mode="user"``), or, while the
store has no users at all, the local single-user actor ``local_user()`` (``mode="local"``, no id,
writer rights: generate, edit, submit, comment, export, knowledge; never approve). The workflow re-checks in
each transaction that local mode is still allowed (no users exist), so it ends with the first user.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import AssistantError, ExitCode

Role = Literal["writer", "reviewer", "admin"]
ROLES: tuple[str, ...] = get_args(Role)

_WRITER = {"generate", "submit", "edit", "comment", "export", "knowledge"}  # knowledge: kb ingest, glossaries
_REVIEWER = _WRITER | {"approve", "reject", "request_changes"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "writer": frozenset(_WRITER),
    "reviewer": frozenset(_REVIEWER),
    "admin": frozenset(_REVIEWER | {"manage_users"}),
}


class User(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(description="None only for the local single-user actor")
    name: str
    role: Role
    active: bool
    created_at: datetime
    mode: Literal["user", "local"] = "user"

    def can(self, permission: str) -> bool:
        return self.active and permission in PERMISSIONS[self.role]

    @property
    def is_local(self) -> bool:
        return self.mode == "local"


LOCAL = "local"
RESERVED_NAMES = frozenset({LOCAL, "system"})  # names the audit log uses for non-users


def local_user() -> User:
    """The actor of local single-user mode (a store without users): recorded as 'local'."""
    return User(id=None, name=LOCAL, role="writer", active=True, mode="local",
                created_at=datetime(1970, 1, 1, tzinfo=timezone.utc))


class AuthError(AssistantError):
    """Who you are could not be established (unknown user, wrong password, disabled)."""

    exit_code = ExitCode.REFUSED


class PermissionDenied(AssistantError):
    """You are known, but your role or the rules do not allow this."""

    exit_code = ExitCode.REFUSED
