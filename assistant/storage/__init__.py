"""Persistence: SQLite (default) or PostgreSQL through SQLAlchemy 2."""

from assistant.storage.db import make_engine
from assistant.storage.drafts import DraftStore

__all__ = ["make_engine", "DraftStore"]
