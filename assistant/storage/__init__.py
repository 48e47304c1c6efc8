"""Persistence: SQLite (default) or PostgreSQL through SQLAlchemy 2; schema by Alembic migrations
(shipped in ``storage/migrations``, applied automatically on start)."""

from assistant.storage.db import Base, make_engine, read_session, write_session, write_transaction
from assistant.storage.drafts import DraftStore
from assistant.storage.migrate import migrate

__all__ = ["Base", "DraftStore", "make_engine", "migrate", "read_session", "write_session", "write_transaction"]
