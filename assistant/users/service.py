"""Add, list, enable/disable users, change passwords, authenticate. Every change is audited.

Passwords are hashed with argon2id (argon2-cffi, RFC 9106 low-memory profile); the hash is the only
thing stored, and neither the password nor the hash ever appears in the audit log.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assistant.errors import InputError
from assistant.storage.audit import audit
from assistant.storage.db import read_session, write_transaction
from assistant.storage.migrate import migrate
from assistant.storage.tables import UserRow
from assistant.users.models import RESERVED_NAMES, ROLES, AuthError, PermissionDenied, User, local_user

MIN_PASSWORD = 8
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,79}$"


def hasher() -> PasswordHasher:
    """The password hasher (argon2id, 64 MiB, 3 passes). Tests may substitute a cheaper one."""
    return PasswordHasher()


def to_user(row: UserRow) -> User:
    return User(id=row.id, name=row.name, role=row.role, active=row.active, created_at=row.created_at)


class UserService:
    def __init__(self, engine: Engine):
        self.engine = engine
        migrate(engine)

    # ---- queries ------------------------------------------------------------------------
    def list(self) -> list[User]:
        with read_session(self.engine) as s:
            return [to_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]

    def get(self, name: str) -> User:
        with read_session(self.engine) as s:
            return to_user(_row(s, name))

    def count(self) -> int:
        with read_session(self.engine) as s:
            return s.scalar(select(func.count()).select_from(UserRow)) or 0

    # ---- changes ------------------------------------------------------------------------
    def add(self, name: str, role: str, password: str, *, actor: User | None) -> User:
        """Add a user. The very first user needs no actor and must be an admin (bootstrap)."""
        if not re.fullmatch(NAME_PATTERN, name):  # fullmatch: '$' would accept a trailing newline
            raise InputError(f"invalid user name '{name}'", fix="use lower-case letters, digits, '.', '_' or '-'")
        if name in RESERVED_NAMES:
            raise InputError(f"'{name}' is reserved (the audit log uses it for non-users)", fix="pick another name")
        if role not in ROLES:
            raise InputError(f"unknown role '{role}'", fix=f"use one of: {', '.join(ROLES)}")
        _check_password(password)
        password_hash = hasher().hash(password)

        def work(s: Session) -> User:
            first = (s.scalar(select(func.count()).select_from(UserRow)) or 0) == 0
            if first and role != "admin":
                raise PermissionDenied("the first user must be an admin",
                                       fix=f"assistant users add {name} --role admin")
            if not first:
                _require_admin(s, actor, "add users")
            if s.scalar(select(UserRow).where(UserRow.name == name)) is not None:
                raise InputError(f"user '{name}' already exists", fix="pick another name, or `assistant users passwd`")
            row = UserRow(name=name, role=role, password_hash=password_hash, active=True)
            s.add(row)
            s.flush()
            audit(s, actor_id=actor.id if actor else row.id, actor=actor.name if actor else name,
                  action="user.add", entity="user", entity_id=row.id,
                  after={"name": name, "role": role, "active": True})
            return to_user(row)

        return write_transaction(self.engine, work, what="adding a user")

    def set_active(self, name: str, active: bool, *, actor: User) -> User:
        def work(s: Session) -> User:
            _require_admin(s, actor, "enable or disable users")
            row = _row(s, name)
            if not active and row.role == "admin" and _active_admins(s) == {row.id}:
                raise PermissionDenied(f"'{name}' is the last active admin",
                                       fix="add or enable another admin first")
            before = {"active": row.active}
            row.active = active
            audit(s, actor_id=actor.id, actor=actor.name, action="user.enable" if active else "user.disable",
                  entity="user", entity_id=row.id, before=before, after={"active": active})
            return to_user(row)

        return write_transaction(self.engine, work, what="changing a user")

    def set_password(self, name: str, password: str, *, actor: User) -> None:
        _check_password(password)
        password_hash = hasher().hash(password)

        def work(s: Session) -> None:
            row = _row(s, name)
            if actor.name != name:
                _require_admin(s, actor, "change another user's password")
            row.password_hash = password_hash
            audit(s, actor_id=actor.id, actor=actor.name, action="user.passwd", entity="user",
                  entity_id=row.id, after={"password": "changed"})

        write_transaction(self.engine, work, what="changing a password")

    def sign_in(self, name: str | None, password: str | None) -> User:
        """Who acts, for any front end: the local single-user actor while the store has no users
        (naming someone then is refused: nobody can be recorded without a password), else the user
        ``name`` authenticated with ``password``."""
        if self.count() == 0:
            if name:
                raise AuthError(f"no users exist yet, so nobody can sign in as '{name}'",
                                fix="drop --as / unset ASSISTANT_USER to work in local single-user mode, or add "
                                "the first admin: assistant users add NAME --role admin")
            return local_user()
        if not name:
            raise AuthError("this command acts as a named user, and none was given",
                            fix="pass --as NAME or set ASSISTANT_USER (an admin adds users: assistant users add)")
        if password is None:
            raise AuthError(f"no password for '{name}'", fix="set ASSISTANT_PASSWORD, or run in a terminal to be asked")
        return self.authenticate(name, password)

    def authenticate(self, name: str, password: str) -> User:
        """The active user with this name and password; one message for every failure."""
        with read_session(self.engine) as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            stored = row.password_hash if row else None
        denied = AuthError(f"cannot sign in as '{name}': unknown user, wrong password or disabled",
                           fix="check ASSISTANT_USER / --as and ASSISTANT_PASSWORD; an admin can reset it "
                           "with `assistant users passwd`")
        ph = hasher()
        try:
            if stored is None:
                ph.hash(password)  # same work as a real check: do not reveal which names exist
                raise denied
            ph.verify(stored, password)
        except (VerificationError, InvalidHashError):
            raise denied from None
        if not row.active:
            raise denied
        if ph.check_needs_rehash(stored):
            new_hash = ph.hash(password)
            write_transaction(self.engine, lambda s: setattr(_row(s, name), "password_hash", new_hash))
        return to_user(row)


def _row(s: Session, name: str) -> UserRow:
    row = s.scalar(select(UserRow).where(UserRow.name == name))
    if row is None:
        raise InputError(f"no user '{name}'", fix="see `assistant users list`")
    return row


def _active_admins(s: Session) -> set[int]:
    return set(s.scalars(select(UserRow.id).where(UserRow.role == "admin", UserRow.active.is_(True))))


def _require_admin(s: Session, actor: User | None, what: str) -> None:
    if actor is None or actor.id is None:
        raise AuthError(f"only an admin may {what}", fix="sign in as an admin (--as NAME, ASSISTANT_PASSWORD)")
    fresh = s.get(UserRow, actor.id)  # the role as it is now, not as it was at sign-in
    if fresh is None or not fresh.active or fresh.role != "admin":
        raise PermissionDenied(f"only an admin may {what}; '{actor.name}' is a {actor.role}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"password too short ({len(password)} characters)",
                         fix=f"use at least {MIN_PASSWORD} characters")
