"""``batch run | resume --processes N``: a job run by N local ``batch worker --child`` processes
(started, signed in and stopped as ``processes`` describes), while this process shows the progress
and, at the end, settles the job and writes its outputs.

N children, not N-1 plus this process: the parent stays free to draw the progress bar, answer
Ctrl-C and stop the children however they end (a runner in the parent would compete with them for
its GIL and die with any error of its own); every worker is the same command a second machine
runs. The cost is one more, mostly idle, Python process.

The children append to the parent's ``results.jsonl`` (one ``write`` per line) and do not rewrite
it; the parent follows it for the progress bar (the same live counts as one process shows) and
reconciles it with the database when they have ended. A child's output goes to
``OUT/workers/process-I.log``; its last line there is its tally (``RESULT``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.batch.outputs import Follow, ResultsFile
from assistant.batch.processes import ProcessGroup, ended_how, split
from assistant.batch.runner import NoProgress, Progress, RunOptions, RunResult, settle
from assistant.batch.store import JobStore
from assistant.batch.transport import Stats

RESULT = "batch-worker-result "


@dataclass
class LocalWorkers:
    """Run a job with this many local worker processes, signed in as ``user`` with ``password``
    (``user`` ``None``: local single-user mode); ``notify`` tells the person waiting what happens."""

    processes: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    notify: Callable[[str], None] = lambda message: None
    grace_s: float = 30.0


def worker_command(job_id: int, out: Path, options: RunOptions, user: str | None) -> list[str]:
    """The command line of one local worker (never the password: see ``processes``)."""
    command = [sys.executable, "-m", "assistant", "batch", "worker", str(job_id), "--out", str(out), "--child",
               "--concurrency", str(options.concurrency), "--lease", str(options.lease_s),
               "--max-failures", str(options.max_failures)]
    for flag, value in (("--rpm", options.rpm), ("--tpm", options.tpm)):
        if value:
            command += [flag, repr(float(value))]
    if user is not None:
        command += ["--as", user, "--password-stdin"]
    return command


def result_line(processed: int, stats: Stats, stopped: str | None) -> str:
    """What a child prints last: its tally, for the parent's summary."""
    return RESULT + json.dumps({"processed": processed, "requests": stats.requests, "retries": stats.retries,
                                "cache_hits": stats.cache_hits, "stopped": stopped})


def read_result(log: Path) -> dict[str, Any] | None:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    found = [line[len(RESULT):] for line in lines if line.startswith(RESULT)]
    return json.loads(found[-1]) if found else None


def why_ended(index: int, code: int | None, log: Path) -> str:
    """A failed child's reason: its own (budget, cancelled, endpoint down), else its log's last lines."""
    result = read_result(log)
    if result and result.get("stopped"):
        return f"worker process {index + 1}: {result['stopped']}"
    said = ""
    if code is not None and code > 0 and log.exists():  # its own error (a signal leaves nothing to quote)
        tail = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        said = f": {' / '.join(tail[-3:])}" if tail else ""
    return f"worker process {index + 1} {ended_how(code)}{said} (log: {log})"


def run_processes(store: JobStore, job_id: int, out: Path, options: RunOptions, workers: LocalWorkers,
                  progress: Progress | None = None) -> RunResult:
    """Run the job with ``workers.processes`` local workers sharing ``options`` (concurrency and
    rate limits split between them)."""
    processes, user, notify = workers.processes, workers.user, workers.notify
    progress = progress or NoProgress()
    out = Path(out)
    parts = split(options, processes)
    logs = [out / "workers" / f"process-{i + 1}.log" for i in range(processes)]
    follow = Follow(out / "results.jsonl")
    counts = store.counts(job_id)
    progress.start(counts["total"], counts.get("done", 0) + counts.get("failed", 0))
    stopped: str | None = None
    try:
        with ProcessGroup([worker_command(job_id, out, p, user) for p in parts], logs=logs,
                          secret=workers.password if user is not None else None) as group:
            try:
                while group.running() and stopped is None:
                    time.sleep(0.2)
                    for record in follow.read():
                        progress.advance(record)
                    failed = group.failed()
                    if failed is not None:
                        stopped = why_ended(failed, group.codes()[failed], logs[failed])
                        notify(f"stopping the other worker processes: {stopped}")
            except KeyboardInterrupt:
                stopped = f"interrupted; `assistant batch resume {job_id}` finishes the job"
                notify(f"interrupted: stopping {processes} worker processes once the items in flight are done "
                       "(Ctrl-C again to end them at once)")
            group.stop(workers.grace_s)
    finally:
        for record in follow.read():
            progress.advance(record)
        progress.close()
    counts = store.counts(job_id)
    if stopped is None and (failed := group.failed()) is not None:
        stopped = why_ended(failed, group.codes()[failed], logs[failed])
    settle(store, job_id, counts, stopped)
    ResultsFile(out / "results.jsonl").reconcile(store.records(job_id))
    stats, processed = Stats(), 0
    for log in logs:
        result = read_result(log) or {}
        processed += result.get("processed", 0)
        stats.requests += result.get("requests", 0)
        stats.retries += result.get("retries", 0)
        stats.cache_hits += result.get("cache_hits", 0)
    return RunResult(job_id, counts, stopped, stats, processed)
