"""Batch jobs end to end against the OpenAI-compatible stub (real openai + langchain-openai clients
over HTTP on 127.0.0.1): faults, malformed replies, a killed worker, the dry-run estimate, budget."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.batch.runner import RunOptions
from assistant.batch.service import BatchService, RunRequest
from assistant.batch.tables import ItemRow
from assistant.batch.transport import RetryPolicy
from assistant.services import build_services
from assistant.settings import REPO_ROOT, load_settings
from assistant.storage.db import read_session
from assistant.storage.drafts import DraftRow
from tests.openai_stub import Stub, StubState

CLI = str(Path(sys.executable).parent / "assistant")
FAULTS_20 = ["ok", "ok", "ok", "ok", "429", "ok", "ok", "ok", "ok", "500", "ok", "ok", "ok", "ok", "timeout"]


def catalogue(tmp_path: Path, n: int, *, broken: set[int] = frozenset()) -> Path:
    lines = []
    for i in range(n):
        name = f"Bamboo Board {i}" + (" BROKEN-REPLY" if i in broken else "")
        lines.append(json.dumps({"sku": f"B{i:03d}", "name": name, "category": "Kitchen",
                                 "facts": {"material": "Moso bamboo", "size": f"{30 + i} x 20 cm"}}))
    lines.insert(1, "{not json")  # a malformed row: reported and skipped
    path = tmp_path / "catalogue.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def stub():
    server = Stub(StubState(hang_s=1.5)).start_in_thread()
    yield server
    server.stop()


def batch_for(stub, db_url=None) -> BatchService:
    # the method pinned: these tests count the stub's requests (``auto`` adds one probe per server)
    settings = load_settings(provider="openai", openai_base_url=stub.base_url, model="gpt-4o-mini", revise_rounds=0,
                             timeout_s=0.5, database_url=db_url, openai_structured_method="json_schema")
    return BatchService(build_services(settings))


def request(path: Path, out: Path, **kw) -> RunRequest:
    return RunRequest(path, kw.pop("kinds", ["search_ad"]), ["en"], ["US"], "bambuu", out, revise_rounds=0, **kw)


def fast(**kw) -> RunOptions:
    kw.setdefault("retry", RetryPolicy(attempts=8, base_s=0.01, cap_s=0.05))
    return RunOptions(concurrency=kw.pop("concurrency", 4),
                      poll_s=0.05, **kw)


def results(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def test_every_item_completes_under_20_percent_faults(stub, tmp_path):
    stub.state.schedule = FAULTS_20
    batch = batch_for(stub)
    out = tmp_path / "out"
    plan = batch.plan(request(catalogue(tmp_path, 6), out))
    assert (plan.rows, plan.rejected, plan.items) == (6, 1, 6)
    assert "line 2" in (out / "errors.csv").read_text(encoding="utf-8-sig")
    result = batch.run(plan.job_id, out, fast())
    assert result.counts["done"] == 6 and result.stopped is None
    assert result.stats.retries >= 1 and sum(stub.state.faults.values()) >= 1
    lines = results(out)
    assert sorted(r["sku"] for r in lines) == [f"B{i:03d}" for i in range(6)]
    assert all(r["drafts"][0]["fields"] for r in lines)
    assert len(batch.content_items(plan.job_id)) == 6  # in the review workflow, like `generate`
    assert "<svg" in (out / "report.html").read_text(encoding="utf-8")
    # the same command again finds the same job, and nothing is redone (or paid) twice
    before = stub.state.chat_requests
    again = batch.plan(request(catalogue(tmp_path, 6), out))
    assert again.job_id == plan.job_id and not again.created
    assert batch.run(plan.job_id, out, fast()).counts["done"] == 6 and stub.state.chat_requests == before


def test_malformed_reply_is_a_failed_draft_with_its_raw_text(stub, tmp_path):
    batch = batch_for(stub)
    out = tmp_path / "out"
    plan = batch.plan(request(catalogue(tmp_path, 2, broken={1}), out))
    result = batch.run(plan.job_id, out, fast())
    assert (result.counts["done"], result.counts["failed"]) == (1, 1)
    failed = next(r for r in results(out) if r["status"] == "failed")
    assert failed["sku"] == "B001" and "Sorry, here is your copy" in failed["drafts"][0]["raw_output"]
    with read_session(batch.svc.engine) as s:
        row = s.scalar(select(DraftRow).where(DraftRow.sku == "B001"))
    assert row.status == "failed" and "Sorry, here is your copy" in row.raw_output


def test_endpoint_down_stops_with_a_clear_message_and_resume_finishes(stub, tmp_path):
    stub.state.schedule = ["500"]
    batch = batch_for(stub)
    out = tmp_path / "out"
    plan = batch.plan(request(catalogue(tmp_path, 5), out))
    result = batch.run(plan.job_id, out, fast(concurrency=1, max_failures=2, retry=RetryPolicy(attempts=2, base_s=0.0)))
    assert "failed 2 items in a row" in result.stopped and f"batch resume {plan.job_id}" in result.stopped
    assert batch.store.job(plan.job_id).status == "paused"
    stub.state.schedule = ["ok"]
    assert batch.run(plan.job_id, out, fast(), resume=True).counts["done"] == 5
    assert len(results(out)) == 5


def test_max_cost_stops_cleanly_and_resume_continues(stub, tmp_path):
    batch = batch_for(stub)
    out = tmp_path / "out"
    plan = batch.plan(request(catalogue(tmp_path, 6), out))
    result = batch.run(plan.job_id, out, fast(concurrency=1, max_cost=0.0001))
    assert result.stopped.startswith("budget reached") and 0 < result.counts.get("done", 0) < 6
    assert batch.run(plan.job_id, out, fast(max_cost=1.0), resume=True).counts["done"] == 6


def test_dry_run_estimate_is_within_10_percent_of_the_prompt_tokens_the_server_counted(stub, tmp_path):
    batch = batch_for(stub)
    out = tmp_path / "out"
    plan = batch.plan(request(catalogue(tmp_path, 4), out, kinds=["search_ad", "listing"]))
    estimate = batch.estimate(plan.job_id)
    assert stub.state.chat_requests == 0  # no model call
    batch.run(plan.job_id, out, fast())
    shorten = batch.svc.prompts.get("shorten").system[:60]
    first_calls = [tokens for system, tokens in stub.state.counted if system != shorten]
    assert len(first_calls) == 8
    assert abs(estimate.prompt_tokens - sum(first_calls)) <= 0.10 * sum(first_calls)


def test_killed_worker_then_resume_does_every_item_exactly_once(tmp_path):
    stub = Stub(StubState(latency_s=0.05)).start_in_thread()
    try:
        db = f"sqlite:///{tmp_path / 'batch.db'}"
        batch = batch_for(stub, db)
        out = tmp_path / "out"
        plan = batch.plan(request(catalogue(tmp_path, 12), out))
        env = {**os.environ, "ASSISTANT_PROVIDER": "openai", "OPENAI_BASE_URL": stub.base_url,
               "ASSISTANT_MODEL": "gpt-4o-mini", "ASSISTANT_DATABASE_URL": db, "ASSISTANT_REVISE_ROUNDS": "0"}
        worker = subprocess.Popen([CLI, "batch", "worker", str(plan.job_id),
                                   "--out", str(out), "-c", "2", "--quiet"], cwd=REPO_ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _finished(batch, plan.job_id) < 3 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert worker.poll() is None, "the worker ended before it was killed"
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert 3 <= _finished(batch, plan.job_id) < 12
        result = batch.run(plan.job_id, out, fast(), resume=True)
        assert result.counts["done"] == 12
        lines = results(out)
        assert sorted(r["item"] for r in lines) == sorted({r["item"] for r in lines}) and len(lines) == 12
        with read_session(batch.svc.engine) as s:
            per_sku = dict(s.execute(select(DraftRow.sku, func.count()).group_by(DraftRow.sku)).all())
        assert per_sku == {f"B{i:03d}": 1 for i in range(12)}
        assert len(batch.content_items(plan.job_id)) == 12
    finally:
        stub.stop()


def _finished(batch: BatchService, job_id: int) -> int:
    with read_session(batch.svc.engine) as s:
        return s.scalar(select(func.count()).where(ItemRow.job_id == job_id, ItemRow.status == "done"))


def _worker(job_id: int, out: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([CLI, "batch", "worker", str(job_id), "--out", str(out),
                             "-c", "3", "--quiet"], cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def test_two_workers_share_a_postgresql_job_and_no_item_is_done_twice(pg_server, tmp_path):
    stub = Stub(StubState(latency_s=0.2)).start_in_thread()
    try:
        db = pg_server.new_database()
        batch = batch_for(stub, db)
        out = tmp_path / "out"
        plan = batch.plan(request(catalogue(tmp_path, 12), out))
        env = {**os.environ, "ASSISTANT_PROVIDER": "openai", "OPENAI_BASE_URL": stub.base_url,
               "ASSISTANT_MODEL": "gpt-4o-mini", "ASSISTANT_DATABASE_URL": db, "ASSISTANT_REVISE_ROUNDS": "0"}
        other = _worker(plan.job_id, tmp_path / "w0", env)  # worker 1: another process
        deadline = time.monotonic() + 60
        while _finished(batch, plan.job_id) < 1 and time.monotonic() < deadline and other.poll() is None:
            time.sleep(0.05)
        batch.run(plan.job_id, tmp_path / "w1", fast(concurrency=3), join=True)  # worker 2: this process
        _, err = other.communicate(timeout=120)
        assert other.returncode == 0, err.decode()
        with read_session(batch.svc.engine) as s:
            per_sku = dict(s.execute(select(DraftRow.sku, func.count()).group_by(DraftRow.sku)).all())
            attempts = set(s.scalars(select(ItemRow.attempts).where(ItemRow.job_id == plan.job_id)))
        assert per_sku == {f"B{i:03d}": 1 for i in range(12)} and attempts == {1}
        for i in range(2):  # each worker's file is reconciled with the database when it ends
            lines = results(tmp_path / f"w{i}")
            assert sorted(r["item"] for r in lines) == sorted({r["item"] for r in lines}) and len(lines) == 12
    finally:
        stub.stop()


def test_openai_batch_mode_uploads_polls_downloads_and_stitches(stub, tmp_path):
    from assistant.llm.tokens import BATCH_TIER, estimate_cost, tier_share

    batch = batch_for(stub)
    out = tmp_path / "out"
    plan = batch.plan(request(catalogue(tmp_path, 4), out, mode="openai-batch"))
    result = batch.run(plan.job_id, out, fast())
    assert result.counts["done"] == 4
    state = batch.store.job(plan.job_id).remote
    assert state["step"] == "done" and state["requests"] == 4 and state["batch_id"] in stub.state.batches
    lines = [json.loads(x) for x in (out / "batch-input.jsonl").read_text().splitlines()]
    assert {x["url"] for x in lines} == {"/v1/chat/completions"} or {x["url"] for x in lines} == {"/chat/completions"}
    # every first call came from the Batch API's answers (an item retried after a slow follow-up call on a
    # loaded machine reads its answer from the cache again: never fewer, sometimes more)
    assert result.stats.cache_hits >= 4
    assert len(results(out)) == 4
    # first answers at the batch price, follow-ups (shortening, asked online) at list price
    for r in results(out):
        listed = estimate_cost("gpt-4o-mini", r["prompt_tokens"], r["completion_tokens"])
        assert listed * tier_share(BATCH_TIER) - 2e-6 <= r["cost_usd"] < listed


def test_openai_batch_mode_sends_every_variant_and_accounts_at_the_batch_price(stub, tmp_path):
    from assistant.llm.tokens import BATCH_TIER, estimate_cost, tier_share

    stub.state.keep_bodies = True
    batch = batch_for(stub)
    out = tmp_path / "out"
    plan = batch.plan(request(catalogue(tmp_path, 3), out, mode="openai-batch", variants=2))
    estimate = batch.estimate(plan.job_id)
    assert estimate.batch_cost_usd == pytest.approx(estimate.cost_usd * tier_share(BATCH_TIER), abs=1e-6)
    assert estimate.batch_cost_usd < estimate.cost_usd
    result = batch.run(plan.job_id, out, fast())
    assert result.counts["done"] == 3
    sent = [json.loads(x)["body"] for x in (out / "batch-input.jsonl").read_text().splitlines()]
    assert len(sent) == 6 == batch.store.job(plan.job_id).remote["requests"]  # both variants of each item
    assert result.stats.cache_hits >= 6
    # what went online is only what follows a first request (the stub answers every variant alike, so
    # the second is asked again to differ), never a first request the batch answered
    online = [json.loads(body) for body in stub.state.bodies]
    assert not [body for body in online if body in sent]
    for r in results(out):
        listed = estimate_cost("gpt-4o-mini", r["prompt_tokens"], r["completion_tokens"])
        assert listed * tier_share(BATCH_TIER) - 2e-6 <= r["cost_usd"] < listed


def test_an_auto_structured_method_is_chosen_once_before_the_job_and_the_batch_requests_use_it(stub):
    """The Batch API recorder cannot answer a probe: ``auto`` is resolved directly (probe or cache) first."""
    import httpx

    from assistant.batch.runner import openai_handle
    from assistant.batch.remote import RecordingTransport

    settings = load_settings(provider="openai", openai_base_url=stub.base_url, model="gpt-4o-mini", revise_rounds=0,
                             timeout_s=0.5, openai_structured_method="auto")
    svc = build_services(settings)
    recorded = RecordingTransport(type("NoCache", (), {"cache_get": staticmethod(lambda key: None)})())
    handle = openai_handle(svc, recorded)
    assert handle.chat.structured_method == "json_schema"  # the stub follows it; probed through the stub itself
    assert recorded.take() == []  # the probe did not go through the job's transport
    asked = stub.state.chat_requests
    assert openai_handle(svc, httpx.MockTransport(lambda r: httpx.Response(500))).chat.structured_method == "json_schema"
    assert stub.state.chat_requests == asked  # cached in <home>/cache: no second probe
