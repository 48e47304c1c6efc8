"""Alembic environment. Migrations run programmatically (``assistant.storage.migrate``) on the
connection it passes in ``config.attributes["connection"]``; ``alembic`` on the command line also
works with ``-x url=...``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from assistant.storage import tables  # noqa: F401 - registers the tables on Base.metadata
from assistant.storage import drafts  # noqa: F401
from assistant.batch import tables as batch_tables  # noqa: F401
from assistant.storage.db import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _migrate(conn)
        conn.commit()


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run()
