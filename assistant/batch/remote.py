"""``--mode openai-batch``: the OpenAI Batch API (cheaper: ``tiers`` in prices.yaml; results within 24 h).

Steps, each recorded in the job (``batch_jobs.remote``) so ``batch resume`` continues where it
stopped: **collect** the first request of every unfinished item (of each of its variants), byte for
byte as the online path would send it (the Generator runs with a transport that records instead of sending) into
``batch-input.jsonl``; **upload** it; **create** the batch; **poll** until it ends; **download** the
output and put every answer into the response cache under its request's key (marked with the service
tier ``batch``, so its cost is accounted at the Batch API's price); **stitch**: the online
runner finishes the items, its first calls answered from the cache (follow-up calls such as
shortening or revising go online).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from assistant.batch.pipeline import batch_generator, first_requests
from assistant.batch.report import write_job_report
from assistant.batch.runner import RunOptions, Runner, RunResult, openai_handle
from assistant.batch.transport import httpx, request_key
from assistant.errors import InputError, ProviderError
from assistant.llm.tokens import BATCH_TIER

TERMINAL_FAILURES = ("failed", "expired", "cancelled")


class RecordingTransport(httpx.BaseTransport):
    """Answers from the cache when it can; otherwise records the request and refuses it, which
    ends that item's generation (it is finished later, in the stitch step)."""

    def __init__(self, cache):
        self.cache = cache
        self.local = threading.local()

    def take(self) -> list[tuple[str, str, bytes]]:
        got, self.local.recorded = getattr(self.local, "recorded", []), []
        return got

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        key = request_key(request, body)
        hit = self.cache.cache_get(key)
        if hit is not None:
            return httpx.Response(200, headers={"content-type": "application/json"}, content=hit.encode(),
                                  request=request)
        self.local.recorded = [*getattr(self.local, "recorded", []), (key, request.url.path, body)]
        return httpx.Response(400, json={"error": {"message": "recorded for the Batch API"}}, request=request)


def collect(batch, job_id: int, path: Path, actor) -> int:
    svc, store = batch.svc, batch.store
    spec = store.spec(job_id)
    brand = svc.brand(store.job(job_id).brand)
    recorder = RecordingTransport(store)
    gen = batch_generator(svc, openai_handle(svc, recorder))
    seen: set[str] = set()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for item in store.work(job_id, ("pending", "error")):
            first_requests(gen, brand, spec, item, actor)
            for key, url, body in recorder.take():
                if key not in seen:
                    seen.add(key)
                    fh.write(json.dumps({"custom_id": key, "method": "POST", "url": url.removeprefix(
                        httpx.URL(svc.settings.openai_base_url or "https://api.openai.com/v1").path.rstrip("/")) or url,
                        "body": json.loads(body)}) + "\n")
    return len(seen)


def run_remote(batch, job_id: int, out: Path, options: RunOptions, *, actor=None,
               sleep: Callable[[float], None] = time.sleep) -> RunResult:
    svc, store = batch.svc, batch.store
    if svc.settings.resolved_provider != "openai":
        raise InputError("--mode openai-batch needs an OpenAI-compatible endpoint",
                         fix="set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server)")
    import openai

    key = svc.settings.openai_api_key.get_secret_value() if svc.settings.openai_api_key else "not-needed"
    client = openai.OpenAI(base_url=svc.settings.openai_base_url, api_key=key, timeout=svc.settings.timeout_s)
    state = dict(store.job(job_id).remote or {})

    def save(**changes) -> None:
        state.update(changes)
        store.set_job(job_id, remote=state)

    svc.knowledge.ingest(store.job(job_id).brand)
    out = Path(out)
    if "requests" not in state:
        save(step="collect")
        save(requests=collect(batch, job_id, out / "batch-input.jsonl", actor), input=str(out / "batch-input.jsonl"))
    if state["requests"] and "file_id" not in state:
        with open(state["input"], "rb") as fh:
            save(step="upload", file_id=client.files.create(file=fh, purpose="batch").id)
    if state["requests"] and "batch_id" not in state:
        created = client.batches.create(input_file_id=state["file_id"], endpoint="/v1/chat/completions",
                                        completion_window="24h", metadata={"job": str(job_id)})
        save(step="poll", batch_id=created.id)
    while state["requests"] and "output_file_id" not in state:
        remote = client.batches.retrieve(state["batch_id"])
        if remote.status == "completed":
            save(step="download", output_file_id=remote.output_file_id)
        elif remote.status in TERMINAL_FAILURES:
            store.set_job(job_id, remote={}, status="paused", note=f"Batch API batch {remote.id} {remote.status}")
            raise ProviderError(f"the Batch API batch {remote.id} ended '{remote.status}'",
                                fix=f"`assistant batch resume {job_id}` submits the unfinished items again")
        else:
            sleep(options.poll_s)
    if state["requests"] and not state.get("downloaded"):
        content = client.files.content(state["output_file_id"]).content
        (out / "batch-output.jsonl").write_bytes(content)
        answers = {}
        for line in content.splitlines():
            answer = json.loads(line)
            response = answer.get("response") or {}
            if response.get("status_code") == 200:  # accounted at the Batch API's price when used
                answers[answer["custom_id"]] = json.dumps({**response["body"], "service_tier": BATCH_TIER})
        store.cache_put_many(answers)
        save(step="stitch", downloaded=True)
    result = Runner(svc, store, job_id, out, options, actor=actor).run()
    if result.stopped is None and not result.counts.get("pending") and not result.counts.get("error"):
        save(step="done")
    write_job_report(store, job_id, out / "report.html")
    return result
