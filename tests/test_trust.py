"""Reviewers can trust what they approve (issue 16, findings 2, 3 and 5):
2. an approval covers the product facts exported with the copy (versions snapshot them; a product
   change makes a new version that needs review, and is audited);
3. every write acts as a signed-in user, or in local single-user mode while no users exist (recorded
   as such); nobody is named as author without their password; nobody approves their own copy;
4. approve/reject/request-changes decide on the version the reviewer saw (stale: exit 5)."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from assistant.catalog import Product
from assistant.cli import main
from assistant.storage.db import read_session
from assistant.storage.drafts import DraftRow
from assistant.storage.tables import AuditRow
from assistant.users import AuthError, PermissionDenied
from assistant.workflow import ConflictError
from tests.workflow_fixtures import PASSWORD, add_users, listing_fields, make_draft, new_item, seen

AD = {"headlines": ["Bamboo Boards", "Juice Groove", "FSC Bamboo"], "descriptions": ["Reversible board."],
      "paths": ["boards"]}


def board(url: str, price: float = 39.9) -> Product:
    return Product(sku="BB-1001", name="Bamboo Cutting Board", brand="Bambuu", price=price, currency="USD",
                   facts={"url": url}, image_url="https://example.com/board.jpg")


@pytest.fixture
def team(wf):
    return add_users(wf, ("admin", "admin"), ("wendy", "writer"), ("rita", "reviewer"))


def final_urls(wf, team, out) -> list[str]:
    path = wf.exports.export("google_ads", out, actor=team["rita"]).path
    with open(path, encoding="utf-8") as handle:
        return [row["Final URL"] for row in csv.DictReader(handle)]


# ---- 2: an approval covers the product facts ------------------------------------------------------
def test_product_change_after_approval_needs_review_and_is_audited(wf, team, tmp_path):
    item = new_item(wf, AD, kind="search_ad", product=board("https://shop.example/a"))
    wf.workflow.submit(item, team["wendy"])
    wf.workflow.approve(item, team["rita"], expected_version=1)
    assert final_urls(wf, team, tmp_path) == ["https://shop.example/a"]

    # the same SKU generated again with another landing page (and price): a product change
    wf.drafts.save(make_draft(AD, kind="search_ad", product=board("https://evil.example/b", 1.0)), team["wendy"])
    view = wf.workflow.get(item)
    assert (view.status, view.version, view.current.source) == ("in_review", 2, "product")
    assert view.current.fields == AD and view.versions[0].product.facts["url"] == "https://shop.example/a"
    assert view.product.facts["url"] == "https://evil.example/b"
    actions = [e.action for e in wf.workflow.history(item)]
    assert actions[-1] == "item.product_change"
    change = wf.workflow.history(item)[-1].after["changes"]
    assert change["facts.url"] == ["https://shop.example/a", "https://evil.example/b"] and change["price"] == [39.9, 1.0]
    with read_session(wf.engine) as s:
        assert s.scalar(select(AuditRow.action).where(AuditRow.entity == "product")) == "product.update"

    # nothing is approved now (the old ad is back in review, the new one a draft): nothing leaves
    with pytest.raises(Exception, match="no approved items"):
        final_urls(wf, team, tmp_path)
    wf.workflow.approve(item, team["rita"], expected_version=2)  # reviewed with the new facts
    assert final_urls(wf, team, tmp_path) == ["https://evil.example/b"]


def test_export_reads_the_approved_versions_snapshot(wf, team, tmp_path):
    """Even a product row changed behind the workflow's back does not reach an approved export."""
    from assistant.storage.db import write_session
    from assistant.storage.tables import ProductRow

    item = new_item(wf, AD, kind="search_ad", product=board("https://shop.example/a"))
    wf.workflow.submit(item, team["wendy"])
    wf.workflow.approve(item, team["rita"], expected_version=1)
    with write_session(wf.engine) as s:
        row = s.scalar(select(ProductRow))
        row.document = {**row.document, "facts": {"url": "https://evil.example/b"}}
    assert final_urls(wf, team, tmp_path) == ["https://shop.example/a"]


def test_email_export_uses_the_brand_kit_the_item_was_generated_with(wf, team, tmp_path):
    from assistant.export import ExportService
    from assistant.export.email import brand_email_renderer

    kit = wf.brand("bambuu")  # recorded as the brand's kit version 1
    email = {"subject": "Meet the board", "preheader": "New", "headline": "A board", "body": ["Our new board."],
             "cta": "Shop now"}
    item = new_item(wf, email, kind="email")
    wf.workflow.submit(item, team["wendy"])
    wf.workflow.approve(item, team["rita"], expected_version=1)
    footer = kit.legal_footer.model_copy(update={"postal_address": "1 Changed Street"})
    changed = kit.model_copy(update={"legal_footer": footer})
    wf.workflow.record_brand_kit("bambuu", changed.model_dump(mode="json"))  # the kit changes afterwards
    exports = ExportService(wf.engine, wf.workflow, email_renderer=brand_email_renderer(lambda brand: changed))
    out = exports.export("email_html", tmp_path, actor=team["rita"]).path
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert kit.legal_footer.postal_address in html and "1 Changed Street" not in html


# ---- 3: who acts -----------------------------------------------------------------------------------
def test_local_mode_only_without_users_and_never_approves(wf):
    from assistant.users import local_user

    item = new_item(wf)  # no users: local single-user mode
    with read_session(wf.engine) as s:
        entry = s.scalars(select(AuditRow).where(AuditRow.action == "item.create")).one()
        assert (entry.actor, entry.actor_mode, entry.actor_id) == ("local", "local", None)
    local = local_user()
    wf.workflow.submit(item, local)
    with pytest.raises(PermissionDenied, match="local single-user mode may not approve"):
        wf.workflow.approve(item, local, expected_version=1)
    team = add_users(wf, ("admin", "admin"), ("rita", "reviewer"))
    with pytest.raises(AuthError, match="local single-user mode is over"):
        wf.drafts.save(make_draft(), local)
    with pytest.raises(AuthError, match="local single-user mode is over"):
        wf.workflow.edit(item, local, listing_fields(title="Changed"), base_version=1)
    assert wf.workflow.approve(item, team["rita"], expected_version=1).status == "approved"


def test_reviewer_cannot_approve_copy_they_generated(wf, team):
    item = new_item(wf, actor=team["rita"])
    wf.workflow.submit(item, team["wendy"])
    with pytest.raises(PermissionDenied, match="'rita' wrote or edited item"):
        wf.workflow.approve(item, team["rita"], expected_version=1)


def run(capsys, *argv):
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out, out.err


@pytest.fixture
def cli(monkeypatch, product_file, good_listing):
    from assistant.llm import registry
    from assistant.llm.base import LLMHandle
    from assistant.llm.fake import ScriptedChatModel

    monkeypatch.setitem(registry.PROVIDERS, "fake", lambda s: LLMHandle(
        ScriptedChatModel(default_reply=good_listing), "fake", "scripted"))
    monkeypatch.setenv("ASSISTANT_PROVIDER", "fake")
    monkeypatch.delenv("ASSISTANT_USER", raising=False)
    monkeypatch.delenv("ASSISTANT_PASSWORD", raising=False)
    from assistant.cli.common import services

    return services()


def as_user(monkeypatch, name: str | None, password: str | None = PASSWORD) -> None:
    for var, value in (("ASSISTANT_USER", name), ("ASSISTANT_PASSWORD", password)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)


def test_generate_cannot_name_an_author_without_their_password(capsys, monkeypatch, cli, product_file):
    add_users(cli, ("admin", "admin"), ("rita", "reviewer"))
    generate = ("generate", "listing", "--product", str(product_file), "--rounds", "0")
    as_user(monkeypatch, "rita", None)  # a name, no password (and no terminal to ask)
    code, _, err = run(capsys, *generate)
    assert code == 4 and "no password for 'rita'" in err
    as_user(monkeypatch, None, None)  # nobody: not local mode any more, users exist
    code, _, err = run(capsys, *generate)
    assert code == 4 and "acts as a named user" in err
    as_user(monkeypatch, "rita", "wrong password")
    code, _, err = run(capsys, *generate)
    assert code == 4 and "cannot sign in as 'rita'" in err
    with read_session(cli.engine) as s:
        assert s.scalars(select(DraftRow)).first() is None  # refused before the model was paid for
    as_user(monkeypatch, "rita")
    code, _, err = run(capsys, *generate)
    assert code == 0, err
    item = cli.workflow.queue()[0]
    assert cli.workflow.get(item.id).created_by == "rita"


def test_local_mode_cli_is_recorded_and_cannot_name_anyone(capsys, monkeypatch, cli, product_file):
    generate = ("generate", "listing", "--product", str(product_file), "--rounds", "0")
    as_user(monkeypatch, "rita", None)
    code, _, err = run(capsys, *generate)
    assert code == 4 and "no users exist yet" in err
    as_user(monkeypatch, None, None)
    code, _, err = run(capsys, *generate)
    assert code == 0 and "local single-user mode" in err
    item = cli.workflow.queue()[0].id
    assert [(e.actor, e.actor_mode, e.action) for e in cli.workflow.history(item)] == [
        ("local", "local", "item.create")]


# ---- 5: decisions bind to the version the reviewer saw ---------------------------------------------
def test_approve_binds_to_the_version_the_reviewer_showed(capsys, monkeypatch, cli, tmp_path):
    add_users(cli, ("admin", "admin"), ("wendy", "writer"), ("rita", "reviewer"))
    item = new_item(cli)
    cli.workflow.submit(item, cli.users.get("wendy"))
    as_user(monkeypatch, "rita")
    code, _, err = run(capsys, "approve", str(item))  # never shown: which version?
    assert code == 2 and "--version" in err
    code, out, _ = run(capsys, "show", str(item))
    assert code == 0 and "rita saw version 1" in out
    edit = tmp_path / "edit.yaml"
    edit.write_text("\n".join(f"{k}: {v!r}" for k, v in listing_fields(title="Sneaky new title").items()))
    as_user(monkeypatch, "wendy")
    assert run(capsys, "edit", str(item), "--file", str(edit))[0] == 0  # version 2, saved after rita looked
    as_user(monkeypatch, "rita")
    for argv in (("approve", str(item)), ("reject", str(item), "-c", "no"), ("request-changes", str(item), "-c", "x")):
        code, _, err = run(capsys, *argv)
        assert code == 5 and "you looked at version 1, it is now at version 2" in err, argv
    assert cli.workflow.get(item).status == "in_review"
    assert run(capsys, "show", str(item))[0] == 0
    code, out, _ = run(capsys, "approve", str(item))
    assert code == 0 and "now approved (version 2)" in out


def test_service_requires_the_expected_version(wf, team):
    item = new_item(wf)
    wf.workflow.submit(item, team["wendy"])
    with pytest.raises(TypeError):
        wf.workflow.approve(item, team["rita"])  # no default: a front end must say what was reviewed
    wf.workflow.edit(item, team["wendy"], listing_fields(title="New"), base_version=1)
    with pytest.raises(ConflictError):
        wf.workflow.approve(item, team["rita"], expected_version=1)
    assert wf.workflow.approve(item, team["rita"], expected_version=seen(wf, item)).version == 2


# ---- the migration -------------------------------------------------------------------------------
def test_migration_0002_backfills_snapshots_of_an_existing_database(db_url):
    """A 0001 database with copy in it: each version gets its product as the snapshot, audit rows get
    their mode, and local-mode comments (no author) fit afterwards."""
    from alembic import command

    from assistant.storage import make_engine, migrate
    from assistant.storage.migrate import alembic_config, forget

    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        for sql in (
            "INSERT INTO users (id, name, role, password_hash, active, created_at) "
            "VALUES (1, 'ada', 'admin', 'x', true, CURRENT_TIMESTAMP)",
            "INSERT INTO products (id, brand, sku, name, document, updated_at) VALUES "
            "(1, 'bambuu', 'BB-1', 'Board', '{\"sku\": \"BB-1\", \"name\": \"Board\", \"facts\": {\"url\": \"https://a\"}}', "
            "CURRENT_TIMESTAMP)",
            "INSERT INTO content_items (id, kind, brand, sku, lang, market, product_id, status, current_version, "
            "created_at, updated_at, lock_version) VALUES (1, 'listing', 'bambuu', 'BB-1', 'en', 'US', 1, 'approved', 1, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)",
            "INSERT INTO content_versions (id, item_id, number, fields, source, score, error_count, warning_count, "
            "created_at) VALUES (1, 1, 1, '{\"title\": \"Board\"}', 'generated', 100, 0, 0, CURRENT_TIMESTAMP)",
            "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id) VALUES "
            "(CURRENT_TIMESTAMP, NULL, 'system', 'item.create', 'item', 1), "
            "(CURRENT_TIMESTAMP, 1, 'ada', 'user.add', 'user', 1)",
        ):
            conn.exec_driver_sql(sql)
    forget(engine)
    migrate(engine)
    with read_session(engine) as s:
        from assistant.storage.tables import CommentRow, VersionRow

        assert s.get(VersionRow, 1).product["facts"]["url"] == "https://a"
        assert list(s.scalars(select(AuditRow.actor_mode).order_by(AuditRow.id))) == ["system", "user"]
    from assistant.storage.db import write_session

    with write_session(engine) as s:
        s.add(CommentRow(item_id=1, version_id=1, author_id=None, body="from local mode"))


def test_local_and_system_are_not_user_names(wf):
    from assistant.errors import InputError

    for name in ("local", "system"):
        with pytest.raises(InputError, match="reserved"):
            wf.users.add(name, "admin", PASSWORD, actor=None)


def test_knowledge_changes_sign_in_and_are_audited(capsys, monkeypatch, cli, tmp_path):
    add_users(cli, ("admin", "admin"), ("wendy", "writer"))
    (tmp_path / "tone.md").write_text("# Tone\n\nWarm and plain.\n", encoding="utf-8")
    ingest = ("kb", "ingest", str(tmp_path), "--brand", "bambuu")
    as_user(monkeypatch, "wendy", None)
    code, _, err = run(capsys, *ingest)
    assert code == 4 and "no password for 'wendy'" in err
    as_user(monkeypatch, "wendy")
    code, out, err = run(capsys, *ingest)
    assert code == 0, err
    with read_session(cli.engine) as s:
        entry = s.scalars(select(AuditRow).where(AuditRow.action == "kb.ingest")).one()
        assert (entry.actor, entry.actor_mode, entry.after) == ("wendy", "user",
                                                                {"brand": "bambuu", "files": {"tone.md": "added"}})


def test_sign_in_for_any_front_end(wf):
    """``UserService.sign_in`` is what a web UI calls: local mode without users, else name + password."""
    assert wf.users.sign_in(None, None).is_local
    with pytest.raises(AuthError, match="no users exist yet"):
        wf.users.sign_in("rita", None)
    add_users(wf, ("admin", "admin"), ("rita", "reviewer"))
    for name, password, message in ((None, None, "none was given"), ("rita", None, "no password"),
                                    ("rita", "wrong password", "cannot sign in")):
        with pytest.raises(AuthError, match=message):
            wf.users.sign_in(name, password)
    assert wf.users.sign_in("rita", PASSWORD).name == "rita"
