"""Web app handlers: sign-in and roles (forged requests included), uploads, escaping, languages,
and the check/generate API called with gradio_client under sign-in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import gradio as gr
import pytest

from assistant.compliance.models import CheckReport, Finding
from assistant.errors import InputError
from assistant.users import AuthError
from tests.ui_support import PASSWORD, ui_server, ui_services  # noqa: F401 - fixture
from ui import views
from ui.context import AppContext
from ui.desk import DeskHandlers
from ui.i18n import Labels, catalogs, pick, t
from ui.review import ReviewHandlers
from ui.sessions import Sessions
from ui.uploads import MAX_MB, PRODUCT_TYPES, accept_upload
from ui.write import WriteHandlers

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def request(key: str = "s1", accept: str = "en") -> SimpleNamespace:
    return SimpleNamespace(session_hash=key, headers={"accept-language": accept})


@pytest.fixture
def ctx():
    return AppContext.create(ui_services())


# ---- sign-in, sessions, roles ---------------------------------------------------------------
def test_a_handler_without_sign_in_is_refused_and_sign_in_binds_the_user_to_the_session(ctx):
    write = WriteHandlers(ctx)
    with pytest.raises(gr.Error, match="Not signed in"):
        write.submit(1, None, "en", request("anon"))
    ctx.sessions.sign_in(request("s1"), "wendy", PASSWORD)
    assert ctx.sessions.user(request("s1")).name == "wendy"
    with pytest.raises(AuthError):
        ctx.sessions.user(request("s2"))  # another page load is not signed in
    with pytest.raises(AuthError):
        ctx.sessions.sign_in(request("s3"), "wendy", "wrong password")


def test_sessions_expire_and_a_disabled_user_is_refused_at_once(ctx):
    now = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    sessions = Sessions(ctx.svc.users, timedelta(hours=1), clock=lambda: now[0])
    sessions.sign_in(request("s1"), "rita", PASSWORD)
    now[0] += timedelta(minutes=59)
    assert sessions.user(request("s1")).name == "rita"
    now[0] += timedelta(minutes=2)
    with pytest.raises(AuthError, match="expired"):
        sessions.user(request("s1"))
    sessions.sign_in(request("s2"), "rita", PASSWORD)
    ctx.svc.users.set_active("rita", False, actor=ctx.svc.users.get("ada"))
    with pytest.raises(AuthError, match="disabled"):
        sessions.user(request("s2"))


def test_sign_out_ends_the_session(ctx):
    desk = DeskHandlers(ctx, Labels())
    desk.sign_in("wendy", PASSWORD, "en", request("s1"))
    desk.sign_out("en", request("s1"))
    with pytest.raises(AuthError):
        ctx.sessions.user(request("s1"))


def test_without_users_the_page_explains_how_to_create_the_first_admin(isolated_home):
    from assistant.services import build_services
    from assistant.settings import load_settings

    ctx = AppContext.create(build_services(load_settings(provider="fake")))
    labels = Labels()
    out = DeskHandlers(ctx, labels).load(request(accept="zh-CN,zh;q=0.9"))
    assert out[0] == "zh-CN"
    page = out[1 + len(labels.components):]
    assert "assistant users add" in page[3] and page[3] == t("zh-CN", "no_users")
    with pytest.raises(AuthError):
        ctx.sessions.sign_in(request(), "anyone", "whatever-password")


def test_a_writer_cannot_approve_by_calling_the_handler_and_a_reviewer_can(ctx, product_file):
    wendy, rita = request("w"), request("r")
    ctx.sessions.sign_in(wendy, "wendy", PASSWORD)
    ctx.sessions.sign_in(rita, "rita", PASSWORD)
    write, review = WriteHandlers(ctx), ReviewHandlers(ctx)
    products, _, _ = write.upload(str(product_file), "en", wendy)
    *_, summary = list(write.generate(products, [products[0]["sku"]], "listing", "amazon", ["en"], "US", "", 1,
                                      "bambuu", "", "en", wendy))[-1]
    item_id = summary[0]["item"]
    write.submit(item_id, 1, "en", wendy)
    with pytest.raises(gr.Error, match="Open the item first"):
        review.approve(item_id, "", "", "en", rita)  # no version seen yet
    review.open(item_id, None, "en", wendy)
    with pytest.raises(gr.Error, match="a writer may not approve"):
        review.approve(item_id, "", "", "en", wendy)
    assert ctx.svc.workflow.get(item_id).status == "in_review"
    out = review.open(item_id, None, "en", wendy)
    assert all(b["visible"] is False for b in out[-3:])  # the buttons are hidden for the writer, too
    review.open(item_id, None, "en", rita)
    assert "approved" in review.approve(item_id, "", "", "en", rita)


# ---- uploads ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, size_mb, error", [
    ("products.exe", 0.001, "not accepted"),
    ("products", 0.001, "not accepted"),
    ("products.csv", MAX_MB + 0.5, "limit"),
])
def test_bad_uploads_are_refused(tmp_path, name, size_mb, error):
    path = tmp_path / name
    path.write_bytes(b"x" * int(size_mb * 1024 * 1024))
    with pytest.raises(InputError, match=error):
        accept_upload(str(path), tmp_path / "home", allowed=PRODUCT_TYPES, area="products")


def test_an_upload_lands_inside_the_data_directory_whatever_its_name(tmp_path):
    source = tmp_path / "..%2f..%2fetc passwd;rm -rf.csv"
    source.write_text("sku,name\nA1,Board\n", encoding="utf-8")
    home = tmp_path / "home"
    target = accept_upload(str(source), home, allowed=PRODUCT_TYPES, area="products")
    assert (home / "uploads" / "products").resolve() in target.parents and target.suffix == ".csv"
    assert target.read_text(encoding="utf-8").startswith("sku,name")


def test_a_product_file_with_a_bad_row_is_reported_with_its_row(ctx, tmp_path):
    ctx.sessions.sign_in(request(), "wendy", PASSWORD)
    bad = tmp_path / "products.csv"
    bad.write_text("sku,name\nA1,Board\n,Missing sku\n", encoding="utf-8")
    with pytest.raises(gr.Error, match=r"Bad input: products\.csv:line 3: field .*sku") as err:
        WriteHandlers(ctx).upload(str(bad), "en", request())
    assert str(ctx.home) not in str(err.value)  # the message names the user's file, not a server path


# ---- escaping ---------------------------------------------------------------------------------
def test_model_output_and_product_data_are_escaped_in_html():
    html = views.diff_html({"title": XSS}, {"title": XSS + " v2"}, "v1", "<b>v2</b>")
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "<b>v2</b>" not in html
    assert "<" not in views.esc(XSS) and "\\*" in views.esc("*bold*")


def test_review_header_comments_and_errors_are_escaped(ctx, product_file):
    from assistant.catalog import load_products

    ctx.sessions.sign_in(request("w"), "wendy", PASSWORD)
    wendy = ctx.svc.users.get("wendy")
    product = load_products(product_file)[0].model_copy(update={"sku": "<script>x</script>"})
    draft = ctx.svc.generator.generate("listing", product, ctx.svc.brand(), lang="en", market="US", actor=wendy)
    item_id = ctx.svc.workflow.item_for_draft(draft.id)
    ctx.svc.workflow.comment(item_id, wendy, XSS)
    out = ReviewHandlers(ctx).open(item_id, None, "en", request("w"))
    assert "<script>" not in out[0] and "&lt;script&gt;" in out[0]
    assert XSS in str(out[5])  # the comment is shown in a table, as plain text
    with pytest.raises(gr.Error) as err:
        DeskHandlers(ctx, Labels()).check("x", "en", "US", "listing", "", '{"a": <script>', False, "en", request("w"))
    assert "<script>" not in str(err.value)


def test_highlighted_segments_cover_the_text_and_mark_findings_by_severity():
    report = CheckReport(findings=[Finding(category="brand_term", rule_id="r", severity="warning", start=6, end=10,
                                           message="m", field="title")])
    segments = views.highlighted({"title": "Great best board", "bullets": ["a"]}, report)
    assert "".join(s for s, _ in segments) == "title: Great best board\nbullets[0]: a\n"
    assert ("best", "warning") in segments


# ---- languages --------------------------------------------------------------------------------
def test_every_label_exists_in_both_languages_and_the_browser_language_is_followed(ctx):
    from ui.app import build_app

    demo = build_app(ctx.svc)
    keys = {k for _, _, key in demo.bca_labels.entries for k in (key if isinstance(key, list) else [key])}
    for lang in ("en", "zh-CN"):
        assert keys <= set(catalogs()[lang])
    assert t("zh-CN", "approve") == "批准" and t("en", "approve") == "Approve"
    assert pick("zh-CN,zh;q=0.9,en;q=0.8") == "zh-CN" and pick("en-GB") == "en" and pick("fr") == "en"


# ---- the API under sign-in (gradio_client) ----------------------------------------------------
def test_check_and_generate_api_with_gradio_client_under_sign_in(ui_server, product_file):  # noqa: F811
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    url, svc = ui_server
    client = Client(url, verbose=False)
    with pytest.raises(AppError, match="not signed in"):
        client.predict("Title: best board", "en", "US", "listing", "", "", False, "en", api_name="/check")
    client.predict("wendy", PASSWORD, "en", api_name="/sign_in")
    summary, *_, report = client.predict("Title: The best eco-friendly board", "en", "US", "listing", "", "", True,
                                         "en", api_name="/check")
    assert "error" in summary and {f["rule_id"] for f in report["findings"]} >= {"brand.bambuu.en.banned_terms"}
    client.predict(handle_file(str(product_file)), "en", api_name="/upload_products")
    status, _, drafts = client.predict(["BH-CB-01"], "listing", "amazon", ["en"], "US", "", 1, "bambuu", "", "en",
                                       api_name="/generate")
    assert drafts[0]["status"] == "ok" and "eco-friendly" in drafts[0]["fields"]["title"]
    item = svc.workflow.get(drafts[0]["item"])
    assert item.created_by == "wendy"  # the signed-in user, derived on the server
    client.predict(api_name="/sign_out")
    with pytest.raises(AppError, match="not signed in"):
        client.predict("x", "en", "US", "listing", "", "", False, "en", api_name="/check")


# ---- brand knowledge and dashboard ------------------------------------------------------------
@pytest.fixture
def kb_ctx(ctx, tmp_path, monkeypatch):
    """The app with its own brands_dir: saving the sample kit copies it there, never into the package."""
    ctx.svc.brand_folders.brands_dir = tmp_path / "brands"
    return ctx


def test_the_brand_kit_is_validated_with_its_line_saved_by_signed_in_users_and_audited(kb_ctx):
    from ui.knowledge import KnowledgeHandlers

    k = KnowledgeHandlers(kb_ctx)
    kb_ctx.sessions.sign_in(request("w"), "wendy", PASSWORD)
    text = k.kit("bambuu", "en", request("w"))
    with pytest.raises(gr.Error, match="Not signed in"):
        k.save_kit("bambuu", text, "en", request("anonymous"))
    with pytest.raises(gr.Error, match=r"brand\.yaml:2.*unknown key"):
        k.save_kit("bambuu", text.replace("\n", "\nno_such_key: 1\n", 1), "en", request("w"))
    assert k.kit("bambuu", "en", request("w")) == text  # invalid text changed nothing
    assert k.save_kit("bambuu", text + "\n# reviewed\n", "en", request("w")) == t("en", "kit_saved")
    assert k.kit("bambuu", "en", request("w")).endswith("# reviewed\n")
    from assistant.storage.audit import audit_entries
    from assistant.storage.db import read_session

    with read_session(kb_ctx.svc.engine) as s:
        assert [(e.actor, e.action) for e in audit_entries(s, entity="knowledge")] == [("wendy", "kb.brand_kit")]


def test_a_guideline_upload_is_ingested_searchable_and_removable(kb_ctx, tmp_path):
    from ui.knowledge import KnowledgeHandlers

    k = KnowledgeHandlers(kb_ctx)
    kb_ctx.sessions.sign_in(request("r"), "rita", PASSWORD)
    doc = tmp_path / "tone.md"
    doc.write_text("# Tone\n\nWe never call a board antibacterial; say easy to clean instead.\n", encoding="utf-8")
    assert "added, 1 chunk" in k.ingest(str(doc), "bambuu", "en", request("r"))
    rows, _ = k.sources("bambuu", "en", request("r"))
    assert ["upload/tone.md", "en", 1] in rows
    hits = k.search("bambuu", "antibacterial board", "", "en", request("r"))
    assert hits and hits[0][1] == "upload/tone.md"
    assert k.remove("bambuu", "upload/tone.md", "en", request("r")) == t("en", "removed", n=1)


def test_dashboard_counts_states_findings_and_days(ctx, product_file):
    from assistant.catalog import load_products
    from ui.knowledge import KnowledgeHandlers

    ctx.sessions.sign_in(request(), "wendy", PASSWORD)
    ctx.svc.generator.generate("listing", load_products(product_file)[0], ctx.svc.brand(), lang="en", market="US",
                               actor=ctx.svc.users.get("wendy"))
    states, categories, languages, days, _ = KnowledgeHandlers(ctx).dashboard("en", request())
    assert dict(zip(states["state"], states["count"])) == {"draft": 1}
    assert dict(zip(categories["category"], categories["count"])) == {"brand_term": 1, "environmental_claim": 1}
    assert list(languages["language"]) == ["en"] and list(days["drafts"]) == [1]


def test_a_decision_on_a_version_changed_meanwhile_is_a_conflict_and_shows_the_fresh_version(ctx, product_file):
    from assistant.catalog import load_products

    wendy, rita = request("w"), request("r")
    ctx.sessions.sign_in(wendy, "wendy", PASSWORD)
    ctx.sessions.sign_in(rita, "rita", PASSWORD)
    writer = ctx.svc.users.get("wendy")
    draft = ctx.svc.generator.generate("listing", load_products(product_file)[0], ctx.svc.brand(), lang="en",
                                       market="US", actor=writer)
    item_id = ctx.svc.workflow.item_for_draft(draft.id)
    ctx.svc.workflow.submit(item_id, writer)
    review = ReviewHandlers(ctx)
    review.open(item_id, None, "en", rita)  # the reviewer reads version 1 ...
    fields = dict(draft.fields, title="Bambuu bamboo board, 45 x 30 cm")
    ctx.svc.workflow.edit(item_id, writer, fields, base_version=1)
    assert review.approve(item_id, "", "", "en", rita) == t("en", "conflict_fresh")  # ... version 2 exists now
    assert ctx.svc.workflow.get(item_id).status == "in_review"
    header = review.open(item_id, None, "en", rita)[0]
    assert "version 2" in header
    assert "approved" in review.approve(item_id, "", "", "en", rita)


def test_a_model_failure_is_a_message_not_a_traceback(ctx, product_file):
    from assistant.errors import ProviderError

    model = ctx.svc.llm.chat
    model.default_reply = "this is not JSON"
    wendy = request("w")
    ctx.sessions.sign_in(wendy, "wendy", PASSWORD)
    write = WriteHandlers(ctx)
    products, _, _ = write.upload(str(product_file), "en", wendy)
    args = (products, [products[0]["sku"]], "listing", "amazon", ["en"], "US", "", 1, "bambuu", "", "en", wendy)
    status, _, summary = list(write.generate(*args))[-1]
    assert summary[0]["status"] == "failed" and t("en", "drafts_failed", n=1) in status
    model.default_reply = ProviderError("connection refused")
    with pytest.raises(gr.Error, match="The model failed: connection refused"):
        list(write.generate(*args))


def test_translate_and_repurpose_make_new_items_and_a_bad_reply_is_a_message(ctx, product_file):
    from assistant.catalog import load_products
    from tests.test_kinds import SAMPLES

    wendy = request("w")
    ctx.sessions.sign_in(wendy, "wendy", PASSWORD)
    writer = ctx.svc.users.get("wendy")
    draft = ctx.svc.generator.generate("listing", load_products(product_file)[0], ctx.svc.brand(), lang="en",
                                       market="US", actor=writer)
    item_id = ctx.svc.workflow.item_for_draft(draft.id)
    write = WriteHandlers(ctx)
    pick_update, _ = write.translate(item_id, "", "de", "DE", "en", wendy)
    translated = ctx.svc.workflow.get(pick_update["value"])
    assert (translated.kind, translated.lang, translated.created_by) == ("listing", "de", "wendy")
    with pytest.raises(gr.Error, match="The model failed: draft #\\d+ failed"):
        write.translate(item_id, "product_page", "en", "US", "en", wendy)  # a listing reply does not fit
    ctx.svc.llm.chat.default_reply = SAMPLES["product_page"]
    pick_update, _ = write.translate(item_id, "product_page", "en", "US", "en", wendy)
    assert ctx.svc.workflow.get(pick_update["value"]).kind == "product_page"
