"""Issue 16, finding 8: hostile files. Every bad line, row or file is reported with its location and
skipped; the rest is processed; nothing ends in a traceback."""

from __future__ import annotations

import json

import openpyxl
import pytest
from pydantic import ValidationError

from assistant.catalog import Product, load_products, read_products
from assistant.catalog.loader import parse_price
from assistant.errors import InputError

GOOD = {"sku": "BB-1", "name": "Bamboo board"}


def test_a_jsonl_file_keeps_its_good_lines_and_locates_each_bad_one(tmp_path):
    lines = [json.dumps(GOOD).encode(), b"\xff not utf-8", b"[" * 100_000, b'{"sku": "BB-2"}',
             json.dumps({"sku": "BB-3", "name": "A\u2028B\rC"}, ensure_ascii=False).encode(),
             json.dumps({"sku": "BB-4", "name": "x", "price": float("inf")}).encode(),  # Infinity
             json.dumps({"sku": "S" * 121, "name": "too long a sku"}).encode(), json.dumps(GOOD).encode()]
    path = tmp_path / "p.jsonl"
    path.write_bytes(b"\n".join(lines))
    loaded = read_products(path)
    assert [p.sku for p in loaded.products] == ["BB-1", "BB-3"]
    where = [p.where for p in loaded.problems]
    assert where == [f"{path}:line {n}" for n in (2, 3, 4, 6, 7, 8)]
    assert "not UTF-8" in loaded.problems[0].what and "nested too deeply" in loaded.problems[1].what
    assert "120 characters" in loaded.problems[4].what and "duplicate sku" in loaded.problems[5].what
    with pytest.raises(InputError):
        load_products(path)  # the strict form still refuses a file with bad lines


def test_a_csv_file_keeps_its_good_rows(tmp_path):
    path = tmp_path / "p.csv"
    huge = "x" * 131_073  # over the csv module's own field limit
    path.write_text("sku,name,price\nA,Board,\"1.234,56\"\nB,Board,1,2,3\nC,Board," + huge + "\nD,Board,inf\n"
                    "E,Board,\"1,299.00\"\nF," + "y" * 30_000 + ",1\n", encoding="utf-8")
    loaded = read_products(path)
    assert [(p.sku, p.price) for p in loaded.products] == [("A", 1234.56), ("E", 1299.0)]
    assert [p.where.rsplit(":", 1)[1] for p in loaded.problems] == ["line 3", "line 4", "line 5", "line 7"]


@pytest.mark.parametrize("text, value", [("1234.56", 1234.56), ("1,234.56", 1234.56), ("1.234,56", 1234.56),
                                         ("1 234,56", 1234.56), ("12,5", 12.5), ("0", 0.0)])
def test_prices_in_common_formats(text, value):
    assert parse_price(text) == value


@pytest.mark.parametrize("text", ["1,2,3", "inf", "nan", "-5", "1.2.3,4,5", "12abc", "1e3", ""])
def test_prices_that_are_not_prices_are_refused(text):
    with pytest.raises(ValueError, match="not a price"):
        parse_price(text)


@pytest.mark.parametrize("content, message", [
    ('{"products": 5}', "expected a product object"),
    ("[" * 100_000, "nested too deeply"),
    ('{"a": ', "not valid JSON"),
])
def test_a_json_file_that_cannot_hold_products_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "p.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_products(path)


def test_a_folder_is_not_a_product_file(tmp_path):
    folder = tmp_path / "products.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="not a file"):
        read_products(folder)


def test_over_long_database_fields_are_refused_before_any_model_call(tmp_path, capsys, monkeypatch):
    from assistant.cli import main
    from assistant.llm.fake import ScriptedChatModel

    monkeypatch.setenv("ASSISTANT_PROVIDER", "fake")
    calls = []
    monkeypatch.setattr(ScriptedChatModel, "_generate", lambda self, *a, **k: calls.append(1) or 1 / 0)

    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"sku": "S" * 300, "name": "Board"}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "listing", "--product", str(path)])
    assert exit_.value.code == 2 and "at most 120 characters" in capsys.readouterr().err
    assert calls == []  # no model was asked
    with pytest.raises(ValidationError):
        Product(sku="B", name="n", brand="b" * 81)


def test_kb_ingest_reports_a_truncated_docx_and_refuses_a_link_outside_the_folder(tmp_path):
    import docx

    from assistant.services import build_services
    from assistant.settings import load_settings

    root = tmp_path / "guidelines"
    root.mkdir()
    (root / "voice.md").write_text("# Voice\nWarm and precise.\n", encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("Tone " * 300)
    document.save(tmp_path / "whole.docx")
    data = (tmp_path / "whole.docx").read_bytes()
    (root / "cut.docx").write_bytes(data[: len(data) // 2])
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\nsalary list\n", encoding="utf-8")
    (root / "linked.md").symlink_to(secret)
    report = build_services(load_settings(provider="fake")).knowledge.ingest("bambuu", root)
    status = {f.source: f.status for f in report.files}
    assert status == {"voice.md": "added", "cut.docx": "failed", "linked.md": "failed"}
    linked = next(f for f in report.files if f.source == "linked.md")
    assert "outside" in linked.error


def test_xlsx_export_replaces_characters_xml_cannot_hold(wf, tmp_path):
    from tests.workflow_fixtures import add_users, listing_fields, new_item

    new_item(wf, listing_fields(title="Board\x0bwith\x00control\x1fcharacters"))  # local mode: no users yet
    users = add_users(wf, ("ada", "admin"))
    result = wf.exports.export("xlsx", tmp_path, actor=users["ada"], include_unapproved=True)
    sheet = openpyxl.load_workbook(result.path).active
    titles = [c.value for c in sheet[2] if isinstance(c.value, str) and c.value.startswith("Board")]
    assert titles == ["Board\ufffdwith\ufffdcontrol\ufffdcharacters"]


def test_edit_file_keeps_yes_on_and_0755_as_text():
    from assistant.workflow.editing import parse_edited, validate_edit

    old = {"title": "a", "bullets": ["b", "c"], "description": "d"}
    parsed = parse_edited("title: yes\nbullets:\n  - 0755\n  - on\ndescription: 1e3\n", "edit.yaml")
    assert validate_edit(old, parsed, "edit.yaml") == {"title": "yes", "bullets": ["0755", "on"], "description": "1e3"}


@pytest.mark.parametrize("name", ["ada\n", "ada\nroot", "ada\x1b[31m", "ada\t", "ada\x00"])
def test_user_names_with_newlines_or_control_characters_are_refused(wf, name):
    with pytest.raises(InputError, match="invalid user name"):
        wf.users.add(name, "admin", "correct horse battery", actor=None)


@pytest.mark.parametrize("brand", ["../../x", "..", "a/b", "/etc", "bambuu\n"])
def test_brand_ids_that_are_paths_are_refused(services, brand):
    with pytest.raises(InputError, match="invalid brand id"):
        services.brand(brand)
