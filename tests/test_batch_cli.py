"""The `assistant batch` commands against the stub, the review queue and exports, and the report."""

from __future__ import annotations

import csv
import json

import pytest

from assistant.batch.service import BatchService
from assistant.cli import main
from assistant.services import build_services
from assistant.settings import load_settings
from tests.openai_stub import Stub, StubState
from tests.workflow_fixtures import PASSWORD, add_users


@pytest.fixture
def stub(monkeypatch):
    server = Stub(StubState()).start_in_thread()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("ASSISTANT_PROVIDER", "openai")
    monkeypatch.setenv("ASSISTANT_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("ASSISTANT_REVISE_ROUNDS", "0")
    yield server
    server.stop()


def run(capsys, *argv):
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out, out.err


def write_catalogue(path, names):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["货号", "商品名称", "材质"])
        for i, name in enumerate(names):
            writer.writerow([f"C{i}", name, "bamboo"])
    return path


def test_run_status_list_cancel_resume(stub, tmp_path, capsys):
    cat = write_catalogue(tmp_path / "cat.csv", ["Bamboo Board", "Bamboo Bowl", "Bamboo Tray"])
    out = tmp_path / "out"
    args = ["batch", "run", str(cat), "--kinds", "search_ad", "--langs", "en,de", "--markets", "US,DE",
            "--brand", "bambuu", "--out", str(out), "--quiet"]
    code, text, _ = run(capsys, *args, "--dry-run")
    assert code == 0 and "job 1: 3 products (utf-8), 0 rows rejected, 6 items" in text
    assert "estimate for gpt-4o-mini" in text and stub.state.chat_requests == 0
    code, text, _ = run(capsys, "batch", "cancel", "1")
    assert code == 0 and "6 items not started" in text
    code, text, err = run(capsys, *args)
    assert code == 2 and "was cancelled" in err
    code, text, _ = run(capsys, "batch", "resume", "1", "--out", str(out), "--quiet")
    assert code == 0 and "6 done, 0 failed, 0 left of 6" in text
    code, text, _ = run(capsys, "batch", "status", "1")
    assert "(done)" in text and "done 6 of 6" in text
    code, text, _ = run(capsys, "batch", "list")
    assert "6/6" in text
    assert len((out / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 6


def test_bad_options_fail_before_any_call(stub, tmp_path, capsys):
    cat = write_catalogue(tmp_path / "cat.csv", ["Board"])
    code, _, err = run(capsys, "batch", "run", str(cat), "--kinds", "review_reply", "--out", str(tmp_path))
    assert code == 2 and "cannot be drafted from a catalogue" in err
    code, _, err = run(capsys, "batch", "run", str(cat), "--langs", "en,de,ja", "--markets", "US,DE")
    assert code == 2 and "3 languages but 2 markets" in err
    assert stub.state.chat_requests == 0


def test_job_items_go_to_review_and_leave_through_exports_once_approved(stub, tmp_path, capsys, monkeypatch):
    cat = write_catalogue(tmp_path / "cat.csv", ["Bamboo Board", "Bamboo Bowl"])
    out = tmp_path / "out"
    code, _, _ = run(capsys, "batch", "run", str(cat), "--kinds", "search_ad", "--out", str(out), "--quiet")
    assert code == 0
    svc = build_services(load_settings())
    users = add_users(svc, ("ada", "admin"), ("rita", "reviewer"))
    items = BatchService(svc).content_items(1)
    assert len(items) == 2
    svc.workflow.submit(items[0], users["rita"])
    svc.workflow.approve(items[0], users["rita"], override_reason="checked by hand", expected_version=1)
    monkeypatch.setenv("ASSISTANT_PASSWORD", PASSWORD)
    code, text, _ = run(capsys, "batch", "export", "1", "--format", "jsonl", "--out", str(tmp_path / "x"), "--as", "rita")
    assert code == 0 and "wrote 1 item(s)" in text
    code, text, err = run(capsys, "batch", "export", "1", "--format", "jsonl", "--out", str(tmp_path / "y"),
                          "--as", "rita", "--include-unapproved")
    assert "wrote 2 item(s)" in text and "NOT approved" in err


def test_report_escapes_catalogue_and_model_text(stub, tmp_path, capsys):
    cat = write_catalogue(tmp_path / "cat.csv", ["<script>alert(1)</script> Board BROKEN-REPLY"])
    out = tmp_path / "out"
    code, _, _ = run(capsys, "batch", "run", str(cat), "--kinds", "search_ad", "--out", str(out), "--quiet")
    assert code == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "Failed items" in html and "<svg" in html
    record = json.loads((out / "results.jsonl").read_text(encoding="utf-8"))
    assert record["status"] == "failed" and record["drafts"][0]["raw_output"]


def test_with_users_a_batch_needs_a_signed_in_author(stub, tmp_path, capsys, monkeypatch):
    svc = build_services(load_settings())
    add_users(svc, ("ada", "admin"), ("wendy", "writer"))
    cat = write_catalogue(tmp_path / "cat.csv", ["Bamboo Board"])
    args = ["batch", "run", str(cat), "--kinds", "search_ad", "--out", str(tmp_path / "out"), "--quiet"]
    code, _, err = run(capsys, *args)
    assert code == 4 and stub.state.chat_requests == 0
    monkeypatch.setenv("ASSISTANT_PASSWORD", PASSWORD)
    code, text, _ = run(capsys, *args, "--as", "wendy")
    assert code == 0 and "1 done" in text
    [item] = BatchService(svc).content_items(1)
    assert svc.workflow.get(item).authors == {"wendy"}
