"""`assistant batch run | resume | worker | status | list | cancel | report | export`."""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.batch.local_workers import LocalWorkers, result_line
from assistant.batch.processes import lifeline
from assistant.batch.progress import QuietProgress, RichProgress
from assistant.batch.runner import NoProgress, RunOptions, RunResult
from assistant.batch.service import BatchService, RunRequest
from assistant.batch.transport import RetryPolicy
from assistant.cli.common import services
from assistant.cli.render import console
from assistant.cli.users_cmd import AS, credentials, password_from_stdin, sign_in
from assistant.errors import ExitCode
from assistant.services import Services
from assistant.users.models import User

app = typer.Typer(help="Generate copy for a whole catalogue: resumable, rate-limited, several workers.",
                  no_args_is_help=True)

OUT = typer.Option(Path("out"), "--out", "-o", help="results.jsonl, errors.csv and report.html go here")
CONCURRENCY = typer.Option(8, "--concurrency", "-c", min=1, max=1024, help="items in flight at once")
RPM = typer.Option(None, "--rpm", help="requests per minute at most (the endpoint's rate limit)")
TPM = typer.Option(None, "--tpm", help="tokens per minute at most")
MAX_COST = typer.Option(None, "--max-cost", help="stop cleanly when this many USD are spent (resumable)")
QUIET = typer.Option(False, "--quiet", "-q", help="no progress bar: a log line every 500 items")
LEASE = typer.Option(120.0, "--lease", help="seconds an item stays claimed without a heartbeat")
FAILURES = typer.Option(10, "--max-failures", help="stop after this many items in a row got no answer")
PROCESSES = typer.Option(1, "--processes", "-p", min=1,
                         help="local worker processes sharing --concurrency and the rate limits (one process "
                         "sends a few hundred requests/s at most); at most twice the CPUs")


def _split(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _options(concurrency, rpm, tpm, max_cost, lease, failures) -> RunOptions:
    return RunOptions(concurrency=concurrency, rpm=rpm, tpm=tpm, max_cost=max_cost, lease_s=lease,
                      max_failures=failures, retry=RetryPolicy())


def _sign_in(svc: Services, as_: str | None, processes: int,
             progress: RichProgress | QuietProgress) -> tuple[User, LocalWorkers]:
    """The acting user, and how local worker processes sign in as the same user (the password
    reaches them through a pipe: ``batch.processes``); their news is printed above the progress bar."""
    name, password = credentials(svc, as_)
    actor = sign_in(svc, name, password)
    user = None if actor.mode == "local" else actor.name
    return actor, LocalWorkers(processes, user, password if user else None,
                               notify=lambda message: progress.console.print(message, highlight=False))


def _finish(result: RunResult, out: Path | None) -> None:
    c = result.counts
    console.print(f"job {result.job_id}: {c.get('done', 0)} done, {c.get('failed', 0)} failed, "
                  f"{c.get('pending', 0) + c.get('error', 0) + c.get('running', 0)} left of {c['total']} · "
                  f"{c['prompt_tokens'] + c['completion_tokens']:,} tokens · ${c['cost_usd']:.4f} · "
                  f"{result.stats.retries} retries, {result.stats.cache_hits} cached", highlight=False)
    if out is not None:
        console.print(f"results: {out / 'results.jsonl'} · report: {out / 'report.html'}")
    if result.stopped:
        console.print(f"[yellow]stopped:[/] {result.stopped}", highlight=False)
        raise typer.Exit(ExitCode.PROVIDER)


@app.command("run")
def run(
    catalogue: Path = typer.Argument(..., help="products: .csv, .xlsx or .jsonl (any size; streamed)"),
    kinds: str = typer.Option("listing", "--kinds", "-k", help="content kinds, e.g. listing,search_ad,email"),
    langs: str = typer.Option("en", "--langs", "-l", help="languages, e.g. en,de,ja"),
    markets: str = typer.Option("US", "--markets", "-m", help="one market, or one per language: US,DE,JP"),
    brand: str | None = typer.Option(None, "--brand", "-b", help="brand kit id (folder under knowledge/)"),
    out: Path = OUT,
    platform: str | None = typer.Option(None, "--platform"),
    variants: int = typer.Option(1, "--variants", "-n", help="A/B variants per item (1-8)"),
    rounds: int | None = typer.Option(None, "--rounds", help="reviser rounds (default: setting revise_rounds)"),
    mode: str = typer.Option("online", "--mode", help="online | openai-batch (Batch API: half price, slower)"),
    columns: Path | None = typer.Option(None, "--columns", help="YAML: product field -> your column names"),
    dry_run: bool = typer.Option(False, "--dry-run", help="plan and estimate tokens and cost; no model call"),
    concurrency: int = CONCURRENCY, rpm: float | None = RPM, tpm: float | None = TPM,
    max_cost: float | None = MAX_COST, quiet: bool = QUIET, lease: float = LEASE, failures: int = FAILURES,
    processes: int = PROCESSES, as_: str | None = AS,
) -> None:
    """Plan a job from a catalogue (the same catalogue and options find the same job) and run it."""
    batch = BatchService(services())
    progress = QuietProgress() if quiet else RichProgress()
    # the author of every draft: before any model call or worker process
    actor, workers = (None, None) if dry_run else _sign_in(batch.svc, as_, processes, progress)
    plan = batch.plan(RunRequest(catalogue, _split(kinds), _split(langs), _split(markets), brand, out, platform,
                                 variants, rounds, mode, max_cost, columns))
    console.print(f"job {plan.job_id}{'' if plan.created else ' (existing)'}: {plan.rows} products "
                  f"({plan.encoding}), {plan.rejected} rows rejected{f' -> {plan.errors_file}' if plan.rejected else ''}"
                  f", {plan.items} items", highlight=False)
    if dry_run:
        est = batch.estimate(plan.job_id)
        spec = batch.store.spec(plan.job_id)
        for kind, b in est.by_kind.items():
            console.print(f"  {kind}: {b['items']} items, {b['prompt']:,} prompt tokens, ~{b['output']:,} output tokens")
        cost = "unknown (model not in the price table)" if est.cost_usd is None else f"${est.cost_usd:.4f}"
        console.print(f"estimate for {spec.model}: {est.prompt_tokens:,} prompt tokens ({est.encoding}), "
                      f"~{est.output_tokens:,} output tokens, {cost}"
                      + (f" (Batch API: ${est.batch_cost_usd:.4f})" if est.batch_cost_usd is not None else "")
                      + "; revisions of flagged drafts come on top", highlight=False)
        return
    _finish(batch.run(plan.job_id, out, _options(concurrency, rpm, tpm, max_cost, lease, failures), progress,
                      actor=actor, workers=workers), out)


@app.command("resume")
def resume(job: int = typer.Argument(...), out: Path = OUT, concurrency: int = CONCURRENCY, rpm: float | None = RPM,
           tpm: float | None = TPM, max_cost: float | None = MAX_COST, quiet: bool = QUIET, lease: float = LEASE,
           failures: int = FAILURES, processes: int = PROCESSES, as_: str | None = AS) -> None:
    """Finish a job after a crash, Ctrl-C, a budget stop or a cancel: only unfinished items are done."""
    batch = BatchService(services())
    progress = QuietProgress() if quiet else RichProgress()
    actor, workers = _sign_in(batch.svc, as_, processes, progress)
    _finish(batch.run(job, out, _options(concurrency, rpm, tpm, max_cost, lease, failures), progress,
                      resume=True, actor=actor, workers=workers), out)


@app.command("worker")
def worker(job: int = typer.Argument(...), out: Path = OUT, concurrency: int = CONCURRENCY, rpm: float | None = RPM,
           tpm: float | None = TPM, quiet: bool = QUIET, lease: float = LEASE, failures: int = FAILURES,
           as_: str | None = AS,
           password_stdin: bool = typer.Option(False, "--password-stdin",
                                               help="read the password (for --as) from standard input's first line"),
           child: bool = typer.Option(False, "--child", hidden=True,
                                      help="started by `batch run --processes`: silent; stops when standard input "
                                      "closes; leaves results.jsonl to the parent to reconcile")) -> None:
    """Help with a job from this machine (same database, e.g. PostgreSQL); stops when nothing is left."""
    password = password_from_stdin() if password_stdin else None
    stop = lifeline() if child else None  # the parent stopped us, or is gone
    batch = BatchService(services())
    actor = sign_in(batch.svc, as_, password)
    progress = NoProgress() if child else QuietProgress() if quiet else RichProgress()
    options = _options(concurrency, rpm, tpm, None, lease, failures)
    options.reconcile = not child
    result = batch.run(job, out, options, progress, join=True, actor=actor, stop=stop)
    if not child:
        return _finish(result, None)
    typer.echo(result_line(result.processed, result.stats, result.stopped))
    if result.stopped:
        raise typer.Exit(ExitCode.PROVIDER)


@app.command("status")
def status(job: int = typer.Argument(...)) -> None:
    """Counts by state, tokens and cost so far."""
    batch = BatchService(services())
    row, c = batch.store.job(job), batch.store.counts(job)
    states = ", ".join(f"{s} {c[s]}" for s in ("pending", "running", "done", "failed", "error", "cancelled") if c.get(s))
    console.print(f"job {job} ({row.status}) {row.catalogue}\n  {states or 'no items'} of {c['total']} · "
                  f"{c['prompt_tokens'] + c['completion_tokens']:,} tokens · ${c['cost_usd']:.4f}"
                  + (f"\n  {row.note}" if row.note else ""), highlight=False)


@app.command("list")
def list_jobs() -> None:
    """Every job: id, state, catalogue, progress."""
    batch = BatchService(services())
    for row in batch.store.jobs():
        c = batch.store.counts(row.id)
        console.print(f"{row.id:>4}  {row.status:<10} {c.get('done', 0) + c.get('failed', 0)}/{c['total']}  "
                      f"${c['cost_usd']:.4f}  {row.created_at:%Y-%m-%d %H:%M}  {row.catalogue}", highlight=False)


@app.command("cancel")
def cancel(job: int = typer.Argument(...)) -> None:
    """Stop a job: workers finish what is in flight and take nothing new (resume restarts it)."""
    n = BatchService(services()).store.cancel(job)
    console.print(f"job {job} cancelled; {n} items not started")


@app.command("report")
def report(job: int = typer.Argument(...), out: Path = OUT) -> None:
    """Rebuild results.jsonl and report.html from the database (e.g. after workers on other machines)."""
    for name, path in BatchService(services()).outputs(job, out).items():
        console.print(f"{name}: {path}")


@app.command("export")
def export(job: int = typer.Argument(...), fmt: str = typer.Option("csv", "--format"), out: Path = OUT,
           include_unapproved: bool = typer.Option(False, "--include-unapproved",
                                                   help="also items not yet approved; the file is marked UNAPPROVED"),
           as_: str | None = AS) -> None:
    """Export the job's approved content items through the usual export formats."""
    from assistant.export import Selection

    batch = BatchService(services())
    ids = batch.content_items(job)
    result = batch.svc.exports.export(fmt, out, actor=sign_in(batch.svc, as_), include_unapproved=include_unapproved,
                                      selection=Selection(ids=ids))
    if result.unapproved:
        typer.secho(f"warning: {result.unapproved} of {result.items} item(s) are NOT approved; the file is marked "
                    "UNAPPROVED: do not publish it", fg="yellow", err=True)
    typer.echo(f"wrote {result.items} item(s) to {result.path}")
