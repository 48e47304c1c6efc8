"""Storage: Alembic migrations match the models, apply once (even from two processes at once), upgrade
a walking-skeleton database; SQLite pragmas; foreign keys; versioned brand kits."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from assistant.settings import REPO_ROOT
from assistant.storage import Base, DraftStore, make_engine, migrate, read_session, write_session
from assistant.batch import tables as _batch_tables  # noqa: F401 - registers the batch tables on Base.metadata
from assistant.storage.migrate import alembic_config, forget
from assistant.storage.tables import BrandKitRow, ItemRow, VersionRow
from tests.workflow_fixtures import make_draft, new_item


def test_migrations_match_the_models(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


def test_migrate_twice_and_from_two_processes_at_once(db_url):
    script = "import sys; from assistant.storage import make_engine, migrate; migrate(make_engine(sys.argv[1]))"
    procs = [subprocess.Popen([sys.executable, "-c", script, db_url], cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=900) == 0, p.stderr.read()  # only guards a hang
    engine = make_engine(db_url)
    forget(engine)
    migrate(engine)  # at head already: nothing to do, no error
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_a_walking_skeleton_database_is_upgraded_and_keeps_its_drafts(tmp_path):
    from assistant.storage.drafts import DraftRow

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    DraftRow.__table__.create(engine)  # what the skeleton's create_all made
    with engine.begin() as conn:
        conn.execute(DraftRow.__table__.insert().values(
            id=7, created_at=make_draft().created_at, kind="listing", brand="bambuu", sku="A", lang="en", market="US",
            status="ok", provider="fake", model="m", prompt_name="listing", prompt_version=1, prompt_tokens=1,
            completion_tokens=1, latency_ms=1, score=100, error_count=0, raw_output="{}",
            document=make_draft().model_copy(update={"id": 7}).model_dump(mode="json")))
    store = DraftStore(engine)
    assert store.get(7).request.brand == "bambuu"
    assert store.save(make_draft()).id == 8


def test_sqlite_pragmas_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    migrate(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_are_enforced(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    with pytest.raises(IntegrityError):
        with write_session(engine) as s:
            s.add(VersionRow(item_id=999, number=1, fields={}, source="edit", score=100, error_count=0,
                             warning_count=0))


def test_brand_kits_are_versioned_when_a_draft_is_stored_not_when_read(wf):
    kit = wf.brand()
    wf.brand()
    assert "engine" not in wf.__dict__  # reading opened no database, wrote nothing
    first = new_item(wf)  # storing a draft records the kit (version 1)
    new_item(wf)  # unchanged: no new version
    changed = kit.model_copy(update={"positioning": "Something new"})
    wf.workflow.record_brand_kit(changed.id, changed.model_dump(mode="json"))
    with read_session(wf.engine) as s:
        rows = s.query(BrandKitRow).order_by(BrandKitRow.version).all()
        assert [(r.brand, r.version) for r in rows] == [("bambuu", 1), ("bambuu", 2)]
        assert rows[1].document["positioning"] == "Something new"
        assert s.get(ItemRow, first).brand_kit_id == rows[0].id
    item = new_item(wf)
    with read_session(wf.engine) as s:
        assert s.get(ItemRow, item).brand_kit_id == rows[1].id