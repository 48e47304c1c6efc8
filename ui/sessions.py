"""Server-side sign-in sessions for the web app.

A session belongs to one page load (Gradio's ``session_hash``, which ``gradio_client`` also keeps
for its calls). Only the server maps it to a user; the browser never sends a user name after
signing in. Every handler calls ``user(request)``, which re-reads the user from the database (a
disabled user or a changed role counts at once) and refuses an expired session.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from assistant.users import AuthError, User, UserService


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class _Session:
    name: str
    expires: datetime


class Sessions:
    def __init__(self, users: UserService, ttl: timedelta, clock=_now):
        self.users = users
        self.ttl = ttl
        self.clock = clock
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(request) -> str:
        key = getattr(request, "session_hash", None) if request is not None else None
        if not key:
            raise AuthError("this request carries no session", fix="open the app's page, or use gradio_client")
        return key

    def sign_in(self, request, name: str, password: str) -> User:
        user = self.users.authenticate((name or "").strip(), password or "")
        with self._lock:
            self._sessions[self.key(request)] = _Session(user.name, self.clock() + self.ttl)
        return user

    def sign_out(self, request) -> None:
        with self._lock:
            self._sessions.pop(self.key(request), None)

    def user(self, request) -> User:
        key = self.key(request)
        with self._lock:
            session = self._sessions.get(key)
            if session is not None and session.expires <= self.clock():
                del self._sessions[key]
                session = None
        if session is None:
            raise AuthError("not signed in, or the session expired", fix="sign in again")
        user = self.users.get(session.name)
        if not user.active:
            self.sign_out(request)
            raise AuthError(f"user '{user.name}' is disabled", fix="ask an admin")
        return user

    def current(self, request) -> User | None:
        try:
            return self.user(request)
        except AuthError:
            return None
