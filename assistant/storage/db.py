"""Engine, sessions and transactions for SQLite (default) and PostgreSQL.

SQLite: WAL, foreign keys, a 30 s busy timeout, and write transactions that start with
``BEGIN IMMEDIATE`` so two processes never both read, then both try to upgrade to a write lock
(which SQLite answers with "database is locked" at once, not after the timeout).
PostgreSQL: row locks (``SELECT ... FOR UPDATE``) plus the optimistic version column on content
items; a transaction that loses a race is retried (``write_transaction``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.orm.exc import StaleDataError

from assistant.errors import AssistantError

T = TypeVar("T")
RETRIES = 8


class Base(DeclarativeBase):
    pass


class StorageError(AssistantError):
    """The database could not be reached or kept failing."""


def make_engine(url: str) -> Engine:
    """Create the engine; for SQLite make the folder, turn on WAL and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # pragma: no cover - trivial
            immediate = conn.get_execution_options().get("write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed on success, rolled back on any exception."""
    with Session(engine, expire_on_commit=False) as session:
        session.connection(execution_options={"write": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, IntegrityError):
        text = str(exc.orig).lower()
        return "unique" in text or "duplicate" in text
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        return any(s in text for s in ("locked", "deadlock", "could not serialize", "busy"))
    return False


def write_transaction(engine: Engine, work: Callable[[Session], T], *, what: str = "write") -> T:
    """Run ``work`` in a write transaction; when it loses a race with another writer (stale
    version, unique key taken, lock timeout) run it again on fresh data. ``work`` must re-read
    everything it checks, so the rules are applied to the state it actually changes."""
    delay = 0.02
    for attempt in range(RETRIES):
        try:
            with write_session(engine) as session:
                return work(session)
        except (StaleDataError, IntegrityError, OperationalError) as exc:
            if not _retryable(exc) or attempt == RETRIES - 1:
                if isinstance(exc, OperationalError):
                    raise StorageError(f"{what} failed: {exc.orig}", where=_where(engine),
                                       fix="check that the database is reachable and retry") from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    raise AssertionError("unreachable")  # pragma: no cover


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
