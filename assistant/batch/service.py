"""What the ``batch`` commands call: plan a job, estimate it, run, resume or join it, and write its
outputs (results.jsonl, report.html, exports of its content items)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from assistant.batch.estimate import Estimate, estimate_job
from assistant.batch.local_workers import LocalWorkers, run_processes
from assistant.batch.pipeline import batch_generator
from assistant.batch.plan import Plan, make_spec, plan_job
from assistant.batch.processes import split
from assistant.batch.report import write_job_report
from assistant.batch.runner import Progress, RunOptions, Runner, RunResult
from assistant.batch.store import JobStore
from assistant.errors import InputError
from assistant.services import Services
from assistant.users.models import User


@dataclass
class RunRequest:
    catalogue: Path
    kinds: list[str]
    langs: list[str]
    markets: list[str]
    brand: str | None
    out: Path
    platform: str | None = None
    variants: int = 1
    revise_rounds: int | None = None
    mode: str = "online"
    max_cost: float | None = None
    columns: Path | None = None


class BatchService:
    def __init__(self, svc: Services):
        self.svc = svc
        self.store = JobStore(svc.engine)

    def plan(self, req: RunRequest) -> Plan:
        brand = self.svc.brand(req.brand)
        spec = make_spec(self.svc, kinds=req.kinds, langs=req.langs, markets=req.markets, platform=req.platform,
                         variants=req.variants, revise_rounds=req.revise_rounds, mode=req.mode,
                         max_cost=req.max_cost, llm=self.svc.llm)
        plan = plan_job(self.store, req.catalogue, spec, brand.id, req.out, column_map=req.columns)
        return plan

    def estimate(self, job_id: int) -> Estimate:
        job = self.store.job(job_id)
        brand = self.svc.brand(job.brand)
        self.svc.knowledge.ingest(job.brand)  # the same guidelines the run retrieves
        return estimate_job(self.store, job_id, batch_generator(self.svc), brand)

    def run(self, job_id: int, out: Path, options: RunOptions, progress: Progress | None = None, *,
            resume: bool = False, join: bool = False, actor: User | None = None, stop: threading.Event | None = None,
            workers: LocalWorkers | None = None) -> RunResult:
        """``resume``: also retry items that got no answer; ``join``: a worker helping a running job;
        ``actor``: the acting user, author of every draft (``None``: local single-user mode);
        ``stop``: set it to stop taking items; ``workers``: several local processes do the work."""
        job = self.store.job(job_id)
        if job.status == "cancelled" and not resume:
            raise InputError(f"batch job {job_id} was cancelled", fix=f"`assistant batch resume {job_id}` restarts it")
        if job.status == "planning":
            raise InputError(f"batch job {job_id} is still being planned",
                             fix="run the same `assistant batch run` command again to finish planning")
        if workers is not None and workers.processes > 1:
            split(options, workers.processes)  # a bad number fails before anything changes
        if resume:
            self.store.retry_errors(job_id)
        if options.max_cost is not None:
            self.store.update_spec(job_id, max_cost=options.max_cost)
        if self.store.spec(job_id).mode == "openai-batch":
            if join:
                raise InputError(f"batch job {job_id} runs through the OpenAI Batch API: workers cannot help",
                                 fix=f"`assistant batch resume {job_id}` on one machine continues it")
            from assistant.batch.remote import run_remote

            return run_remote(self, job_id, out, options, actor=actor)  # the Batch API does the work: one process
        self.svc.knowledge.ingest(job.brand)  # guideline files, before any worker starts; unchanged files cost nothing
        if workers is not None and workers.processes > 1 and not join:
            result = run_processes(self.store, job_id, out, options, workers, progress)
        else:
            result = Runner(self.svc, self.store, job_id, out, options, progress, actor=actor, stop=stop).run()
        if not join:
            write_job_report(self.store, job_id, Path(out) / "report.html")
        return result

    def outputs(self, job_id: int, out: Path) -> dict[str, Path]:
        """Rebuild results.jsonl and report.html from the database (e.g. after workers elsewhere)."""
        from assistant.batch.outputs import ResultsFile

        results = ResultsFile(Path(out) / "results.jsonl")
        results.reconcile(self.store.records(job_id))
        return {"results": results.path, "report": write_job_report(self.store, job_id, Path(out) / "report.html")}

    def content_items(self, job_id: int) -> list[int]:
        """The review workflow's content items this job's drafts became."""
        ids = [d["draft_id"] for r in self.store.records(job_id) for d in r.get("drafts", []) if d.get("draft_id")]
        items = {self.svc.workflow.item_for_draft(i) for i in ids}
        return sorted(i for i in items if i is not None)
