"""The response cache's fast path on SQLite (``JobStore.cache_get`` / ``cache_put_many``)."""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from assistant.batch.tables import CacheRow
from assistant.storage.db import BUSY_TIMEOUT_S, is_sqlite, storage_error
from assistant.storage.tables import utcnow


class SqliteCache:
    """The response cache in an SQLite file through two plain ``sqlite3`` connections shared by a
    run's threads (one read-only, one for writes, each under a lock). Measured alone: 4 µs a lookup
    instead of 0.13 ms through SQLAlchemy's pool (about 0.25 ms among a run's 128 threads), and a
    third of the time per written answer; paid on every model request. PostgreSQL keeps the pool (a
    network round trip costs more than the layers above it). The connections are closed when the
    store is garbage-collected."""

    table = CacheRow.__table__
    GET = f"SELECT response FROM {table.name} WHERE key = ?"
    PUT = f"INSERT INTO {table.name} (key, response, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING"

    def __init__(self, engine: Engine):
        self.engine = engine
        self.reader, self.writer = (sqlite3.connect(engine.url.database, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                                    check_same_thread=False) for _ in range(2))
        self.reader.execute("PRAGMA query_only = 1")
        self.writer.execute("PRAGMA synchronous = NORMAL")  # as the engine's connections (WAL: no sync per commit)
        self.read_lock, self.write_lock = threading.Lock(), threading.Lock()
        self.stamp = self.table.c.created_at.type.bind_processor(engine.dialect) or (lambda value: value)

    @classmethod
    def for_engine(cls, engine: Engine) -> SqliteCache | None:
        path = engine.url.database
        if not is_sqlite(engine) or not path or path == ":memory:" or path.startswith("file:"):
            return None
        return cls(engine)

    def get(self, key: str) -> str | None:
        with self.read_lock:
            rows = self.reader.execute(self.GET, (key,)).fetchall()  # fetched to the end: no read left open
        return rows[0][0] if rows else None

    def put_many(self, rows: list[tuple[str, str]]) -> None:
        now = self.stamp(utcnow())
        with self.write_lock:
            try:
                self.writer.execute("BEGIN IMMEDIATE")  # waits up to the busy timeout for other writers
                self.writer.executemany(self.PUT, [(key, response, now) for key, response in rows])
                self.writer.execute("COMMIT")
            except BaseException as exc:
                if self.writer.in_transaction:
                    self.writer.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError):
                    raise storage_error(OperationalError(self.PUT, None, exc), self.engine,
                                        "caching model responses") from exc
                raise
