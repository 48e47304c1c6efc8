"""Who may act, checked inside the transaction that acts: the acting user as stored now (a user
disabled or demoted since sign-in is refused), or the local single-user actor while no users exist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.storage.tables import UserRow
from assistant.users.models import AuthError, PermissionDenied, User
from assistant.users.service import to_user

SIGN_IN = "sign in: --as NAME (or ASSISTANT_USER) with ASSISTANT_PASSWORD, or type it when asked"


def acting(s: Session, actor: User, permission: str, what: str) -> User:
    """``actor`` as allowed to do ``permission`` now; ``what`` names the object for messages."""
    if actor.is_local:
        if s.scalar(select(func.count()).select_from(UserRow)):
            raise AuthError("local single-user mode is over: this data store has users now", fix=SIGN_IN)
        if not actor.can(permission):
            raise PermissionDenied(f"local single-user mode may not {permission.replace('_', ' ')} ({what}): "
                                   "that needs a named reviewer",
                                   fix="add users (assistant users add NAME --role admin), then sign in")
        return actor
    row = s.get(UserRow, actor.id) if actor.id is not None else None
    if row is None or not row.active:
        raise PermissionDenied(f"user '{actor.name}' is disabled", fix="ask an admin: assistant users enable")
    user = to_user(row)
    if not user.can(permission):
        raise PermissionDenied(f"a {row.role} may not {permission.replace('_', ' ')} ({what})",
                               fix="ask a reviewer or an admin")
    return user


def who(user: User | None) -> dict[str, Any]:
    """The audit columns for ``user`` (``None``: the system)."""
    if user is None:
        return {"actor_id": None, "actor": "system", "mode": "system"}
    return {"actor_id": user.id, "actor": user.name, "mode": user.mode}
