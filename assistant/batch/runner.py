"""Run a job's items: asyncio with a fixed number of items in flight, each generated in a worker
thread (the generation pipeline is synchronous) whose model calls go through the event loop's one
guarded HTTP client (limiter, retries, cache: see ``transport``).

Any number of these runners (``batch run``/``resume`` and ``batch worker``, on any machines sharing
the database) can work on one job: each claims items under a lease it keeps renewing. A run stops
cleanly when the job is cancelled, when the budget (``max_cost``) is reached, or when the endpoint
fails ``max_failures`` items in a row; what is unfinished stays in the job for ``batch resume``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.batch.outputs import ResultsFile
from assistant.batch.pipeline import Outcome, batch_generator, process
from assistant.batch.store import Claimed, JobStore, new_worker_id
from assistant.batch.connections import guarded_transport
from assistant.batch.transport import BridgeTransport, CacheStore, GroupCommitCache, RateLimiter, RetryPolicy, Stats, httpx
from assistant.llm import LLMHandle
from assistant.services import Services
from assistant.users.models import User


@dataclass
class RunOptions:
    concurrency: int = 8
    rpm: float | None = None
    tpm: float | None = None
    lease_s: float = 120.0
    max_failures: int = 10
    max_cost: float | None = None
    poll_s: float = 1.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cache: bool = True
    reconcile: bool = True  # False: other processes append to the same results file; whoever started them reconciles


class Progress(Protocol):
    def start(self, total: int, finished: int) -> None: ...
    def advance(self, record: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


class NoProgress:
    def start(self, total: int, finished: int) -> None: ...
    def advance(self, record: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


@dataclass
class RunResult:
    job_id: int
    counts: dict[str, Any]
    stopped: str | None  # why the run stopped early (None: nothing left to do)
    stats: Stats
    processed: int = 0


def model_transport(loop: asyncio.AbstractEventLoop, options: RunOptions, stats: Stats,
                    cache: CacheStore | None) -> BridgeTransport:
    """How a run's model calls reach the endpoint: from the worker threads through the event loop's
    guard (limiter, retries) and connection pool, the response cache in front. Close its ``guard`` in
    that loop when the run ends."""
    guard = guarded_transport(concurrency=options.concurrency, limiter=RateLimiter(options.rpm, options.tpm),
                              policy=options.retry, stats=stats)
    return BridgeTransport(loop, guard, GroupCommitCache(cache) if options.cache and cache is not None else None, stats)


def guarded_llm(svc: Services, transport: BridgeTransport) -> LLMHandle:
    """The configured model; for an OpenAI-compatible endpoint its client sends through ``transport``."""
    if svc.settings.resolved_provider != "openai":
        return svc.llm  # local or scripted: nothing to limit or cache
    return openai_handle(svc, transport)


def openai_handle(svc: Services, transport: httpx.BaseTransport) -> LLMHandle:
    """The configured OpenAI-compatible model sending through ``transport`` (its own retries off:
    the guard retries)."""
    from assistant.llm.openai_provider import DEFAULT_OPENAI_MODEL, build_chat_openai

    settings = svc.settings.model_copy(update={"max_retries": 0})
    if settings.openai_structured_method == "auto":
        # chosen once, directly (probe or cache): every request of a job uses one method, and the Batch
        # API recorder could not answer a probe
        method = build_chat_openai(svc.settings).resolved_method()
        settings = settings.model_copy(update={"openai_structured_method": method})
    http = httpx.Client(transport=transport, timeout=settings.timeout_s)
    return LLMHandle(build_chat_openai(settings, http_client=http), "openai", settings.model or DEFAULT_OPENAI_MODEL)


class Runner:
    def __init__(self, svc: Services, store: JobStore, job_id: int, out_dir: Path, options: RunOptions,
                 progress: Progress | None = None, *, worker: str | None = None, actor: User | None = None,
                 stop: threading.Event | None = None):
        self.svc, self.store, self.job_id, self.opts, self.actor = svc, store, job_id, options, actor
        self.stop = stop or threading.Event()  # set from any thread: take nothing new, finish what is in flight
        self.out = ResultsFile(Path(out_dir) / "results.jsonl")
        self.progress = progress or NoProgress()
        self.worker = worker or new_worker_id()
        self.stats = Stats()
        self.active: dict[asyncio.Task, Claimed] = {}
        self.spent = 0.0
        self.spent_read = 0.0  # when ``spent`` was last read from the store (other workers spend too)
        self.finished = 0  # the job's items done or failed (by every worker), as of ``spent``
        self.failures_in_a_row = 0
        self.processed = 0
        self.stopped: str | None = None

    def run(self) -> RunResult:
        return asyncio.run(self._run())

    async def _run(self) -> RunResult:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=self.opts.concurrency + 2,
                                                     thread_name_prefix="batch"))
        transport = model_transport(loop, self.opts, self.stats, self.store)
        spec = self.store.spec(self.job_id)
        job = self.store.job(self.job_id)
        brand = self.svc.brand(job.brand)
        llm = guarded_llm(self.svc, transport)
        gen = batch_generator(self.svc, llm)
        await asyncio.to_thread(self.store.register_worker, self.job_id, self.worker)
        await asyncio.to_thread(self.store.reclaim_dead, self.job_id)
        counts = await asyncio.to_thread(self.store.counts, self.job_id)
        self.progress.start(counts["total"], counts.get("done", 0) + counts.get("failed", 0))
        self.store.set_job(self.job_id, status="running", note=None)
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            await self._loop(gen, brand, spec)
        finally:
            heartbeat.cancel()
            if self.active:  # interrupted: let what is in flight finish or be dropped cleanly
                await asyncio.gather(*self.active, return_exceptions=True)
            await transport.guard.aclose()
            self.progress.close()
        counts = await asyncio.to_thread(self.store.counts, self.job_id)
        self._settle(counts)
        return RunResult(self.job_id, counts, self.stopped, self.stats, self.processed)

    async def _loop(self, gen, brand, spec) -> None:
        while True:
            if self.stopped is None:
                await self._fill(gen, brand, spec)
            if not self.active:
                if self.stopped is not None:
                    return
                counts = await asyncio.to_thread(self.store.counts, self.job_id)
                if not counts.get("pending") and not counts.get("running"):
                    return
                await asyncio.sleep(self.opts.poll_s)  # others' items in flight: their leases may run out
                await asyncio.to_thread(self.store.reclaim_dead, self.job_id)  # or their process on this host ended
                continue
            finished, _ = await asyncio.wait(self.active, timeout=self.opts.poll_s,
                                             return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                item = self.active.pop(task)
                self._handle(item, task)

    async def _fill(self, gen, brand, spec) -> None:
        free = self.opts.concurrency - len(self.active)
        if free <= 0:
            return
        if self.stop.is_set():
            self.stopped = f"stopped before the end; `assistant batch resume {self.job_id}` finishes the job"
            return
        job = await asyncio.to_thread(self.store.job, self.job_id)
        if job.status == "cancelled":
            self.stopped = "the job was cancelled"
            return
        if await self._spent_by_all(spec) and self._over_budget(spec):
            return
        claimed = await asyncio.to_thread(self.store.claim, self.job_id, self.worker, min(free, 64),
                                          self.opts.lease_s)
        for item in claimed:
            task = asyncio.create_task(asyncio.to_thread(process, self.svc, gen, self.store, brand, spec, item,
                                                         self.worker, self.actor))
            self.active[task] = item

    async def _spent_by_all(self, spec) -> bool:
        """With a budget: what the whole job spent, from the store at most once a second (other
        workers spend too); ours since then is added as our items finish. True when a budget is set."""
        if (self.opts.max_cost if self.opts.max_cost is not None else spec.max_cost) is None:
            return False
        if time.monotonic() - self.spent_read >= 1.0:
            self.spent_read = time.monotonic()
            counts = await asyncio.to_thread(self.store.counts, self.job_id)
            self.spent, self.finished = counts["cost_usd"], counts.get("done", 0) + counts.get("failed", 0)
        return True

    def _over_budget(self, spec) -> bool:
        limit = self.opts.max_cost if self.opts.max_cost is not None else spec.max_cost
        if limit is None or self.finished == 0 and self.spent < limit:
            return False
        average = self.spent / self.finished if self.finished else 0.0
        if self.spent + average * len(self.active) >= limit:
            self.stopped = (f"budget reached: ${self.spent:.4f} spent of --max-cost ${limit:.4f}; "
                            f"resume with a higher --max-cost to finish")
            return True
        return False

    def _handle(self, item: Claimed, task: asyncio.Task) -> None:
        try:
            outcome: Outcome = task.result()
        except Exception as exc:  # noqa: BLE001 - a database failure for this item: it returns to the pool
            outcome = Outcome(item, "error", error=f"{type(exc).__name__}: {exc}")
            self.store.release(item.id, self.worker, status="error", error=outcome.error or "")
        if outcome.status in ("done", "failed"):
            self.failures_in_a_row = 0
            self.processed += 1
            self.finished += 1
            self.spent += outcome.record.get("cost_usd", 0.0)
            self.out.append(outcome.record)
            self.progress.advance(outcome.record)
        elif outcome.status == "error":
            self.failures_in_a_row += 1
            if self.failures_in_a_row >= self.opts.max_failures and self.stopped is None:
                what = "the model endpoint failed" if outcome.provider_failure else "no result for"
                self.stopped = (f"{what} {self.failures_in_a_row} items in a row (last: {outcome.error}); "
                                f"fix the cause, then `assistant batch resume {self.job_id}`")

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.opts.lease_s / 3)
            ids = [item.id for item in self.active.values()]
            await asyncio.to_thread(self.store.renew, self.worker, ids, self.opts.lease_s)

    def _settle(self, counts: dict[str, Any]) -> None:
        settle(self.store, self.job_id, counts, self.stopped)
        if self.opts.reconcile:
            self.out.reconcile(self.store.records(self.job_id))


def settle(store: JobStore, job_id: int, counts: dict[str, Any], stopped: str | None) -> None:
    """The job's state after a run: paused with the reason it stopped early, done when nothing is
    left, paused when items got no answer (a cancelled job stays cancelled)."""
    if stopped is not None:
        if store.job(job_id).status != "cancelled":
            store.set_job(job_id, status="paused", note=stopped)
    elif not counts.get("pending") and not counts.get("running"):
        left = counts.get("error", 0)
        store.set_job(job_id, status="paused" if left else "done",
                      note=f"{left} items got no answer; `assistant batch resume {job_id}` retries them" if left else None)
