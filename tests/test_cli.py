import json

import pytest

from assistant.errors import ExitCode
from assistant.llm.fake import ScriptedChatModel
from tests.helpers import run_cli as run
from tests.helpers import use_scripted_provider




def test_review_exit_codes(capsys):
    code, out, _ = run(capsys, "review", "--text", "Title: A sturdy bamboo board for every kitchen")
    assert code == 0
    code, out, _ = run(capsys, "review", "--text", "Title: The best bamboo board", "--lang", "en")
    assert code == 1 and "en.superlative.absolute" in out and "source:" in out and "fix:" in out
    code, out, _ = run(capsys, "review", "--text", "第一步：清洗", "--lang", "zh")
    assert code == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["review"], "exactly one of --text or --file"),
        (["review", "--text", "x", "--lang", "klingon"], "unknown language code 'klingon'"),
        (["review", "--file", "/nonexistent.txt"], "file not found"),
        (["generate", "listing", "--product", "/nonexistent.jsonl"], "product file not found"),
        (["generate", "listing", "--product", "PRODUCT", "--lang", "xx"], "--lang: unknown language code"),
        (["export", "--format", "pdf"], "unknown export format 'pdf'"),
        (["export", "--format", "html"], "no drafts stored yet"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(capsys, product_file, argv, message):
    argv = [str(product_file) if a == "PRODUCT" else a for a in argv]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_generate_with_fake_provider_and_export(capsys, monkeypatch, product_file, good_listing, tmp_path):
    use_scripted_provider(monkeypatch, ScriptedChatModel(default_reply=good_listing))
    code, out, err = run(capsys, "generate", "listing", "--product", str(product_file), "--lang", "en")
    assert code == 0, err
    assert good_listing["title"][:30] in out
    from assistant.cli.common import services

    services().users.add("ada", "admin", "a long password", actor=None)  # exports act as a signed-in user
    monkeypatch.setenv("ASSISTANT_USER", "ada")
    monkeypatch.setenv("ASSISTANT_PASSWORD", "a long password")
    code, out, err = run(capsys, "export", "--format", "jsonl", "--out", str(tmp_path), "--include-unapproved")
    assert code == 0 and "NOT approved" in err  # nobody approved it: the file is marked
    record = json.loads((tmp_path / "UNAPPROVED-drafts.jsonl").read_text().splitlines()[0])
    assert record["fields"]["title"] == good_listing["title"] and record["approved"] is False


def test_generate_exits_3_when_a_draft_failed_and_says_how_many_and_where_the_raw_replies_are(
        capsys, monkeypatch, product_file, good_listing):
    use_scripted_provider(monkeypatch, ScriptedChatModel().queue(good_listing, '{"title": "no bullets"}',
                                                                 '{"title": "still none"}'))
    code, out, err = run(capsys, "generate", "listing", "--product", str(product_file), "--lang", "en,de",
                         "--rounds", "0")
    assert code == ExitCode.PROVIDER == 3
    assert "1 of 2 draft(s) failed" in out and "#2" in out and "assistant.db" in out
    assert "still none" in out  # the raw reply is shown


def test_config_show_masks_secret(capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-verysecretkey-abcd")
    code, out, _ = run(capsys, "config", "show", "--json")
    data = json.loads(out)
    assert code == 0 and data["openai_api_key"] == "****abcd" and data["provider (resolved)"] == "openai"
