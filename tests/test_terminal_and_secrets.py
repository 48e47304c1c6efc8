"""Issue 16, findings 6 and 7: user content cannot inject terminal markup or escapes; secrets are
redacted in settings views; the data directory and database are owner-only; personal data is found
in many national formats and next to any script."""

from __future__ import annotations

import json
import stat

import pytest

from assistant.cli import main
from assistant.privacy import find_pii, redact

HOSTILE = "[/] [internal note: hide me] [bold red]x \x1b[8mhidden\x1b[0m \x1b]0;title\x07 \u202eevil"


def run(capsys, *argv):
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out, out.err


def test_review_prints_markup_in_copy_as_text(capsys):
    code, out, err = run(capsys, "review", "--text", f"Title: The best board {HOSTILE}", "--lang", "en")
    assert code in (0, 1), err
    assert "\x1b[8m" not in out and "\x1b]0" not in out and "\u202e" not in out
    assert "[/]" in out  # shown as written, not taken as markup


def test_queue_and_show_print_markup_in_items_as_text(capsys, tmp_path, monkeypatch):
    from tests.workflow_fixtures import listing_fields, new_item, workflow_services

    url = f"sqlite:///{tmp_path / 'items.db'}"
    svc = workflow_services(url)
    item = new_item(svc, listing_fields(title=f"Board {HOSTILE}"), sku="SKU[/]\x1b[2J")
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    for argv in (["queue"], ["show", str(item), "--history"]):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        assert "[/]" in out and "\x1b" not in out
    assert "[internal note: hide me]" in out


def test_one_bad_batch_line_never_aborts_the_run(tmp_path, capsys):
    good = {"text": "Title: A sturdy board", "lang": "en", "market": "US", "channel": "listing"}
    lines = [
        json.dumps({"id": 1, **good}).encode(),
        json.dumps({"id": 2, **good, "lang": "[/] [bold]"}).encode(),  # its error message holds markup
        b"\xff\xfe not utf-8",
        b"[" * 200_000,  # nested too deeply for the JSON parser
        json.dumps({"id": "r\r\u2028", **good, "text": "A\u2028B\rC"}).encode(),  # escaped: one line
        "{\"id\": 6, \"text\": \"a\u2028b\", \"lang\": \"en\", \"market\": \"US\", \"channel\": \"listing\"}".encode(),
        json.dumps({"id": 7, **good, "text": HOSTILE}).encode(),
    ]
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out_path = tmp_path / "findings.jsonl"
    code, out, err = run(capsys, "review", "--input", str(path), "--output", str(out_path))
    assert code == 2
    ids = [json.loads(line)["id"] for line in out_path.read_text(encoding="utf-8").split("\n") if line]
    assert ids == [1, "r\r\u2028", 6, 7]
    assert "line 2:" in err and "line 3: not UTF-8" in err and "line 4: JSON nested too deeply" in err
    assert "reviewed 4 case(s), 3 bad line(s)" in err


def test_config_show_redacts_credentials_in_every_url(monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "postgresql+psycopg://bob:s3cr3t-pw@db.example:5432/copy")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://svc:t0ken-pw@llm.example/v1?api-key=k3y-v4lue&region=eu")
    monkeypatch.setenv("ASSISTANT_PROVIDER", "fake")
    for argv in (["config", "show"], ["config", "show", "--json"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        for secret in ("s3cr3t-pw", "t0ken-pw", "k3y-v4lue"):
            assert secret not in out
        assert "bob:***@db.example" in out and "region=eu" in out


def test_data_dir_and_database_are_owner_only(services, isolated_home):
    services.workflow  # creates the database
    assert stat.S_IMODE(isolated_home.stat().st_mode) == 0o700
    db = isolated_home / "assistant.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


@pytest.mark.parametrize("text, found", [
    ("Call 13800138000 today", "13800138000"),  # CN mobile
    ("联系电话13800138000", "13800138000"),  # CN, no space before
    ("Tel 010-1234-5678", "010-1234-5678"),  # KR mobile
    ("Call 555 123 4567", "555 123 4567"),  # US
    ("Call 1-800-555-0199 now", "1-800-555-0199"),  # US toll-free
    ("Ring 07700 900123", "07700 900123"),  # UK mobile
    ("Tel. 030 12345678", "030 12345678"),  # DE Berlin
    ("Appelez le 06 12 34 56 78", "06 12 34 56 78"),  # FR mobile
    ("電話090-1234-5678まで", "090-1234-5678"),  # JP mobile next to kana
    ("전화 02-312-3456", "02-312-3456"),  # KR Seoul
    ("+49 30 1234 5678", "+49 30 1234 5678"),
])
def test_phone_numbers_in_national_formats_are_found(text, found):
    assert [m.text for m in find_pii(text, {"phone"})] == [found]
    assert "[phone]" in redact(text) and found not in redact(text)


@pytest.mark.parametrize("text", [
    "Board 45 x 30 x 2 cm", "size 300 x 450 x 20 mm", "now $1,299.00", "€ 1.234,56", "SKU BB-2024-0042",
    "made 2019-2024", "order 1000 pcs", "EAN 4006381333931", "model 20192024", "price 19.99 USD",
    "3000 mAh", "from 2020 to 2024", "Size 38-42", "orders of 500 to 1000 units", "1,000,000 sold",
    "10 000 units", "ISO 9001:2015", "2024-06-30",
])
def test_dimensions_prices_skus_years_and_quantities_are_not_phone_numbers(text):
    assert find_pii(text) == []


@pytest.mark.parametrize("text, email", [
    ("邮箱a.b@example.com请联系", "a.b@example.com"), ("メールはtaro@example.jpまで", "taro@example.jp"),
    ("이메일kim@example.kr로", "kim@example.kr"), ("بريدali@example.com", "ali@example.com"),
    ("plain x@y.org.", "x@y.org"),
])
def test_emails_next_to_any_script_are_found(text, email):
    assert [m.text for m in find_pii(text, {"email"})] == [email]


def test_settings_repr_redacts_url_credentials():
    from assistant.settings import load_settings

    settings = load_settings(database_url="postgresql+psycopg://bob:s3cr3t-pw@db.example/copy")
    assert "s3cr3t-pw" not in repr(settings) and "s3cr3t-pw" not in str(settings)
    assert settings.db_url.endswith("bob:s3cr3t-pw@db.example/copy")  # the value itself is intact
