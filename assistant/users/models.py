"""Roles and what each may do. Reviewers can do everything writers can; admins everything."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from assistant.errors import AssistantError, ExitCode

Role = Literal["writer", "reviewer", "admin"]
ROLES: tuple[str, ...] = get_args(Role)

_WRITER = {"submit", "edit", "comment", "export"}
_REVIEWER = _WRITER | {"approve", "reject", "request_changes"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "writer": frozenset(_WRITER),
    "reviewer": frozenset(_REVIEWER),
    "admin": frozenset(_REVIEWER | {"manage_users"}),
}


class User(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    role: Role
    active: bool
    created_at: datetime

    def can(self, permission: str) -> bool:
        return self.active and permission in PERMISSIONS[self.role]


class AuthError(AssistantError):
    """Who you are could not be established (unknown user, wrong password, disabled)."""

    exit_code = ExitCode.REFUSED


class PermissionDenied(AssistantError):
    """You are known, but your role or the rules do not allow this."""

    exit_code = ExitCode.REFUSED
