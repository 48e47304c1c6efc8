"""Engine, sessions and transactions for SQLite (default) and PostgreSQL.

SQLite: WAL, foreign keys, a 30 s busy timeout, and write transactions that start with
``BEGIN IMMEDIATE`` so two processes never both read, then both try to upgrade to a write lock
(which SQLite answers with "database is locked" at once, not after the timeout).
PostgreSQL: row locks (``SELECT ... FOR UPDATE``) plus the optimistic version column on content
items; a transaction that loses a race is retried (``write_transaction``).
"""

from __future__ import annotations

import os
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

from assistant.errors import AssistantError, ExitCode

T = TypeVar("T")
RETRIES = 8


class Base(DeclarativeBase):
    pass


class StorageError(AssistantError):
    """The database could not be reached or kept failing."""


class BusyError(StorageError):
    """Another process held the database's write lock longer than the busy timeout."""

    exit_code = ExitCode.CONFLICT  # like a conflict: nothing was changed, retrying later works


BUSY_TIMEOUT_S = 30
_BUSY = ("locked", "busy", "deadlock", "could not serialize", "lock timeout")


def storage_error(exc: OperationalError, engine_or_url, what: str = "the database command") -> StorageError:
    """Our error for a driver's ``OperationalError``: 'busy, retry' for a lock, else unreachable."""
    where = _where(engine_or_url)
    if any(s in str(exc.orig).lower() for s in _BUSY):
        return BusyError(f"{what} failed: the database is busy (another command holds its write lock)", where=where,
                         fix=f"retry in a moment; nothing was changed (waited {BUSY_TIMEOUT_S} s)")
    return StorageError(f"{what} failed: {exc.orig}", where=where,
                        fix="check that the database is reachable and retry")


def private_dir(path: Path) -> Path:
    """Create ``path`` readable by its owner only (0700); an existing folder is left as it is."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> None:
    """Create ``path`` (empty) or restrict it to its owner (0600): the database holds password
    hashes and every draft. SQLite gives its -wal and -shm files the same permissions."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)


def make_engine(url: str) -> Engine:
    """Create the engine; for SQLite make the folder (owner only) and the file (0600), turn on WAL
    and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            private_dir(Path(parsed.database).parent)
            private_file(Path(parsed.database))
        # a batch's worker threads (up to its --concurrency) each hold a connection; with the default
        # pool (5 kept, 10 more opened and closed per use) a run at concurrency 128 opened a connection,
        # pragmas and all, for most cache lookups (0.3 ms of CPU a request). SQLite connections are cheap
        # and opened only when needed.
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S}, pool_size=256, max_overflow=16)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
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
                    raise storage_error(exc, engine, what) from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    raise AssertionError("unreachable")  # pragma: no cover


def _where(engine_or_url) -> str:
    """The database, password hidden (an engine, a URL, or a plain name)."""
    url = getattr(engine_or_url, "url", engine_or_url)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL: a name such as "the database"
        return str(url)
