"""Exports: approved copy only, each format read back with the standard reader and exact headers,
formula injection neutralised, exports recorded once, items marked exported. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import func, select

from assistant.errors import InputError
from assistant.export import RenderContext, Selection, write_report
from assistant.storage.db import read_session
from assistant.storage.tables import AuditRow, ExportItemRow, ExportRow
from assistant.users import PermissionDenied
from tests.workflow_fixtures import PASSWORD, add_users, listing_fields, make_draft, new_item, seen

LISTING_COLUMNS = ["title", "bullets_1", "bullets_2", "bullets_3", "description", "meta_title", "meta_description",
                   "image_alt_text", "search_keywords"]
META_BEFORE = ["item_id", "version", "status", "approved_by", "brand", "sku", "kind", "lang", "market", "platform"]
META_AFTER = ["score", "errors", "warnings", "provider", "model", "prompt", "prompt_tokens", "completion_tokens",
              "cost_usd", "latency_ms"]
SHOPIFY = ["Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
           "Option1 Name", "Option1 Value", "Variant SKU", "Variant Price", "Image Src", "Image Alt Text",
           "SEO Title", "SEO Description", "Status"]
AMAZON = ["item_sku", "update_delete", "brand_name", "item_name", "product_description", "bullet_point1",
          "bullet_point2", "bullet_point3", "bullet_point4", "bullet_point5", "generic_keywords"]
GOOGLE_ADS = (["Campaign", "Ad group", "Ad type"] + [f"Headline {i}" for i in range(1, 16)]
              + [f"Description {i}" for i in range(1, 5)] + ["Path 1", "Path 2", "Final URL"])
AD = {"headlines": ["Bamboo Boards", "Juice Groove", "FSC Bamboo"], "descriptions": ["Reversible board.", "Oil monthly."],
      "paths": ["boards", "bamboo"]}
EMAIL = {"subject": "Meet the board", "preheader": "New in the kitchen", "headline": "A board for every day",
         "body": ["Our new board is here.", "Made from FSC bamboo."], "cta": "Shop now"}


@pytest.fixture
def team(wf):
    return add_users(wf, ("admin", "admin"), ("wendy", "writer"), ("rita", "reviewer"))


def approved(wf, team, fields=None, **kw) -> int:
    item = new_item(wf, fields, **kw)
    wf.workflow.submit(item, team["wendy"])
    wf.workflow.approve(item, team["rita"], expected_version=seen(wf, item),
                        override_reason="checked by legal, ticket LEG-42" if "best" in str(fields) else None)
    return item


def read_csv(path, delimiter=","):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def test_csv_exact_header_bom_and_approved_only(wf, team, tmp_path):
    a = approved(wf, team)
    new_item(wf, listing_fields(title="Not approved"))  # stays a draft: not exported
    result = wf.exports.export("csv", tmp_path, actor=team["rita"])
    assert result.path == tmp_path.resolve() / "drafts.csv" and result.items == 1 and result.unapproved == 0
    assert result.path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel by default
    rows = read_csv(result.path)
    assert rows[0] == META_BEFORE + LISTING_COLUMNS + META_AFTER
    record = dict(zip(rows[0], rows[1]))
    assert (record["item_id"], record["status"], record["approved_by"]) == (str(a), "approved", "rita")
    assert record["bullets_2"] == listing_fields()["bullets"][1] and len(rows) == 2
    assert record["search_keywords"] == "bamboo cutting board; chopping board"
    no_bom = wf.exports.export("csv", tmp_path / "nobom", actor=team["rita"], bom=False)
    assert not no_bom.path.read_bytes().startswith(b"\xef\xbb\xbf")


INJECTIONS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "shopify", "amazon"])
def test_formula_injection_is_neutralised(wf, team, tmp_path, fmt):
    fields = listing_fields(title=INJECTIONS[0], bullets=INJECTIONS[1:4], description=INJECTIONS[4],
                            meta_title=INJECTIONS[5])
    approved(wf, team, fields)
    path = wf.exports.export(fmt, tmp_path, actor=team["rita"]).path
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path).active
        header = [c.value for c in sheet[1]]
        cells = {h: c for h, c in zip(header, sheet[2])}
        values = [cells[k].value for k in ("title", "bullets_1", "bullets_2", "bullets_3", "description", "meta_title")]
        assert all(cells[k].data_type == "s" for k in ("title", "bullets_1"))  # text, never a formula
    else:
        rows = read_csv(path, "\t" if fmt == "amazon" else ",")
        record = dict(zip(rows[0], rows[1]))
        keys = {"csv": ("title", "bullets_1", "bullets_2", "bullets_3", "description", "meta_title"),
                "shopify": ("Title", "SEO Title"), "amazon": ("item_name", "bullet_point1", "bullet_point2",
                                                               "bullet_point3", "product_description")}[fmt]
        values = [record[k] for k in keys]
    expected = {"shopify": [INJECTIONS[0], INJECTIONS[5]], "amazon": INJECTIONS[:5]}.get(fmt, INJECTIONS)
    assert values == ["'" + v for v in expected]


def test_xlsx_and_jsonl_and_markdown_parse_back(wf, team, tmp_path):
    a = approved(wf, team)
    sheet = openpyxl.load_workbook(wf.exports.export("xlsx", tmp_path, actor=team["rita"]).path).active
    assert sheet.title == "approved"
    assert [c.value for c in sheet[1]] == META_BEFORE + LISTING_COLUMNS + META_AFTER
    assert sheet.cell(row=2, column=1).value == a and sheet.max_row == 2
    lines = wf.exports.export("jsonl", tmp_path, actor=team["rita"]).path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    assert record["approved"] is True and record["item_id"] == a and record["fields"] == listing_fields()
    assert record["approved_by"] == "rita" and record["product"]["sku"] == "BB-1001" and len(lines) == 1
    md = wf.exports.export("markdown", tmp_path, actor=team["rita"]).path.read_text(encoding="utf-8")
    assert md.startswith(f"## {listing_fields()['title']}") and "- Reversible for prep and serving." in md


def test_shopify_and_amazon_headers_and_values(wf, team, tmp_path):
    approved(wf, team)
    rows = read_csv(wf.exports.export("shopify", tmp_path, actor=team["rita"]).path)
    assert rows[0] == SHOPIFY
    row = dict(zip(rows[0], rows[1]))
    assert row["Handle"] == "bamboo-cutting-board-bb-1001" and row["Variant SKU"] == "BB-1001"
    assert row["Body (HTML)"].startswith("<p>A sturdy 45 x 30 cm board.</p><p>Hand wash") and "<li>" in row["Body (HTML)"]
    assert (row["SEO Title"], row["Image Alt Text"], row["Variant Price"]) == (
        "Bamboo Cutting Board", "Bamboo cutting board on a counter", "39.90")
    rows = read_csv(wf.exports.export("amazon", tmp_path, actor=team["rita"]).path, "\t")
    assert rows[0] == AMAZON
    row = dict(zip(rows[0], rows[1]))
    assert row["bullet_point3"] == "FSC-certified Moso bamboo." and row["bullet_point4"] == ""
    assert row["generic_keywords"] == "bamboo cutting board chopping board"


def test_platform_files_take_one_language(wf, team, tmp_path):
    approved(wf, team)
    approved(wf, team, lang="de", market="DE")
    with pytest.raises(InputError, match="one language per file; the selection has de, en"):
        wf.exports.export("shopify", tmp_path, actor=team["rita"])
    assert wf.exports.export("shopify", tmp_path, actor=team["rita"], selection=Selection(lang="de")).items == 1


def test_google_ads_editor_csv(wf, team, tmp_path):
    approved(wf, team, AD, kind="search_ad")
    with pytest.raises(InputError, match="needs a Final URL"):
        wf.exports.export("google_ads", tmp_path, actor=team["rita"])
    ctx = RenderContext(campaign="Spring", final_url="https://shop.example/p/{handle}")
    rows = read_csv(wf.exports.export("google_ads", tmp_path, actor=team["rita"], ctx=ctx).path)
    assert rows[0] == GOOGLE_ADS
    row = dict(zip(rows[0], rows[1]))
    assert (row["Campaign"], row["Ad group"], row["Ad type"]) == ("Spring", "Bamboo Cutting Board", "Responsive search ad")
    assert [row[f"Headline {i}"] for i in (1, 2, 3, 4)] == ["Bamboo Boards", "Juice Groove", "FSC Bamboo", ""]
    assert (row["Description 2"], row["Path 1"], row["Path 2"]) == ("Oil monthly.", "boards", "bamboo")
    assert row["Final URL"] == "https://shop.example/p/bamboo-cutting-board-bb-1001"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_one_html_file_per_email(wf, team, tmp_path):
    a = approved(wf, team, EMAIL, kind="email")
    b = approved(wf, team, {**EMAIL, "subject": "Second"}, kind="email", sku="BB-2002")
    result = wf.exports.export("email_html", tmp_path, actor=team["rita"])
    files = sorted((tmp_path / "emails").glob("*.html"))
    assert [f.name for f in files] == [f"{a}-bb-1001-en.html", f"{b}-bb-2002-en.html"] and result.items == 2
    parser = _Text()
    parser.feed(files[0].read_text(encoding="utf-8"))
    text = " ".join(parser.text)
    assert "html" in parser.tags and "A board for every day" in text and "Our new board is here." in text
    assert "Shop now" in text and "script" not in parser.tags


def test_email_html_from_the_model_is_sanitised():
    from assistant.export.email import sanitise_html

    dirty = '<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">a</a><a href="https://b">b</a></p>'
    assert sanitise_html(dirty) == '<p>Hi <a>a</a><a href="https://b">b</a></p>'


def test_nothing_approved_and_include_unapproved_marks_the_file(wf, team, tmp_path):
    a = new_item(wf)
    r = new_item(wf, listing_fields(title="Rejected copy"))
    wf.workflow.submit(r, team["wendy"])
    wf.workflow.reject(r, team["rita"], expected_version=seen(wf, r), comment="no")
    with pytest.raises(InputError, match=r"no approved items \(1 draft, 1 rejected\)") as err:
        wf.exports.export("csv", tmp_path, actor=team["rita"])
    assert "--include-unapproved" in err.value.fix
    result = wf.exports.export("jsonl", tmp_path, actor=team["rita"], include_unapproved=True)
    assert result.path.name == "UNAPPROVED-drafts.jsonl" and result.unapproved == 1 and not result.marked_exported
    records = [json.loads(x) for x in result.path.read_text(encoding="utf-8").splitlines()]
    assert [(x["item_id"], x["approved"]) for x in records] == [(a, False)]  # rejected copy never leaves
    sheet = openpyxl.load_workbook(wf.exports.export("xlsx", tmp_path, actor=team["rita"], include_unapproved=True).path)
    assert sheet.active.title == "UNAPPROVED"
    assert wf.workflow.get(a).status == "draft"
    with read_session(wf.engine) as s:
        assert s.scalar(select(ExportRow.include_unapproved).limit(1)) is True


def test_export_is_recorded_once_and_items_marked_exported(wf, team, tmp_path):
    a, b = approved(wf, team), approved(wf, team, sku="BB-2002")
    first = wf.exports.export("csv", tmp_path, actor=team["rita"])
    assert first.new_record and first.marked_exported == [a, b]
    assert {wf.workflow.get(i).status for i in (a, b)} == {"exported"}
    second = wf.exports.export("csv", tmp_path, actor=team["rita"])
    assert not second.new_record and second.export_id == first.export_id and second.marked_exported == []
    assert len(read_csv(second.path)) == 3  # header + 2 rows, nothing doubled
    with read_session(wf.engine) as s:
        assert s.scalar(select(func.count()).select_from(ExportRow)) == 1
        assert s.scalar(select(func.count()).select_from(ExportItemRow)) == 2
        assert s.scalar(select(ExportRow.times_written)) == 2
        actions = list(s.scalars(select(AuditRow.action).where(AuditRow.entity.in_(["export", "item"]))
                                 .where(AuditRow.action.like("%export%")).order_by(AuditRow.id)))
        assert actions == ["export.create", "item.export", "item.export", "export.rewrite"]
    # an edit after export sends the item back to review: the next export leaves it out
    wf.workflow.edit(a, team["wendy"], listing_fields(title="Changed after export"), base_version=1)
    third = wf.exports.export("csv", tmp_path, actor=team["rita"])
    assert third.new_record and third.items == 1 and [r[0] for r in read_csv(third.path)[1:]] == [str(b)]


def test_writers_may_export_but_only_signed_in_roles(wf, team, tmp_path, db_url, capsys, monkeypatch):
    approved(wf, team)
    assert wf.exports.export("csv", tmp_path / "w", actor=team["wendy"]).items == 1
    with read_session(wf.engine) as s:
        assert s.scalar(select(AuditRow.actor).where(AuditRow.action == "export.create")) == "wendy"
    wf.users.set_active("wendy", False, actor=team["admin"])
    [disabled] = [u for u in wf.users.list() if u.name == "wendy"]
    with pytest.raises(PermissionDenied, match="is disabled"):
        wf.exports.export("csv", tmp_path / "d", actor=disabled)
    assert not (tmp_path / "d").exists()
    # the command line signs in on every export: nobody, a wrong password or a disabled user is refused
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", db_url)
    monkeypatch.delenv("ASSISTANT_USER", raising=False)
    for user, password, message in ((None, None, "acts as a named user"), ("rita", "wrong password", "cannot sign in"),
                                    ("wendy", PASSWORD, "cannot sign in")):
        for var, value in (("ASSISTANT_USER", user), ("ASSISTANT_PASSWORD", password)):
            if value is None:
                monkeypatch.delenv(var, raising=False)
            else:
                monkeypatch.setenv(var, value)
        code, err = cli(capsys, "export", "--format", "csv", "--out", str(tmp_path / "cli"))
        assert code == 4 and message in err, (user, err)
        assert not (tmp_path / "cli").exists()
    monkeypatch.setenv("ASSISTANT_USER", "rita")
    monkeypatch.setenv("ASSISTANT_PASSWORD", PASSWORD)
    code, err = cli(capsys, "export", "--format", "csv", "--out", str(tmp_path / "cli"))
    assert code == 0 and (tmp_path / "cli" / "drafts.csv").exists(), err


def cli(capsys, *argv) -> tuple[int, str]:
    from assistant.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    return exit_info.value.code or 0, capsys.readouterr().err


def test_report_highlights_findings_and_escapes_html(tmp_path):
    draft = make_draft(listing_fields(title="The best <script>x</script> board")).model_copy(update={"id": 1})
    html = write_report([draft], tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<mark class="error"' in html and ">best</mark>" in html
    assert "<script>x" not in html and "&lt;script&gt;" in html
