"""Apply the shipped Alembic migrations, programmatically, once per engine and process.

Two processes starting on a fresh database do not race: SQLite serialises them with
``BEGIN IMMEDIATE``; PostgreSQL with a transaction-scoped advisory lock.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK = 0x62636173  # "bcas"
_done: set[str] = set()
_lock = threading.Lock()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key in _done:
            return
        cfg = alembic_config()
        with engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        _done.add(key)


def forget(engine: Engine) -> None:
    """Tests that drop a database call this so the next start migrates again."""
    _done.discard(engine.url.render_as_string(hide_password=False))
