"""`assistant eval`: evaluations that report numbers (data and runners live in evals/ and the packages)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from assistant.cli.render import console
from assistant.settings import load_settings

app = typer.Typer(help="Run evaluations and print their numbers.", no_args_is_help=True)


@app.command("retrieval")
def retrieval(
    embedder: list[str] = typer.Option(None, "--embedder", "-e", help="hash | minilm | openai; repeat to compare; default: settings.embedder"),
    mode: list[str] = typer.Option(["hybrid"], "--mode", "-m", help="hybrid | vector | keyword; repeat to compare"),
    spec: Path | None = typer.Option(None, "--spec", help="query file; default evals/retrieval/queries.yaml"),
    k: int | None = typer.Option(None, "--k", "-k", min=1, help="cut-off; default: the file's k (5)"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    misses: bool = typer.Option(False, "--misses", help="list the queries whose expected passages were not all found"),
) -> None:
    """Recall@k and MRR of guideline retrieval on the sample knowledge, per language group."""
    from assistant.retrieval.evaluate import DEFAULT_SPEC, GROUPS, run_retrieval_eval

    settings = load_settings()
    runs = run_retrieval_eval(settings, embedders=embedder or [settings.embedder], modes=mode,
                              spec_path=spec or DEFAULT_SPEC, k=k)
    if as_json:
        console.out(json.dumps([{"embedder": r.embedder, "mode": r.mode, "k": r.k, "ms_per_query": round(r.query_ms, 2),
                                 **{g or "all": r.scores(g) for g in (None, *GROUPS)}} for r in runs], indent=2))
        return
    table = Table(title="retrieval eval")
    for col in ("embedder", "mode", "group", "queries", f"recall@{runs[0].k}", "MRR", "ms/query"):
        table.add_column(col)
    for r in runs:
        for group in (None, *GROUPS):
            s = r.scores(group)
            table.add_row(r.embedder, r.mode, group or "all", str(s["queries"]), f"{s[f'recall@{r.k}']:.3f}",
                          f"{s['mrr']:.3f}", f"{r.query_ms:.1f}" if group is None else "")
    console.print(table)
    if misses:
        for r in runs:
            for o in r.misses():
                got = "; ".join(f"{p.source} > {(p.section or '').split(' > ')[-1]}" for p in o.retrieved)
                console.print(f"[yellow]{r.embedder}/{r.mode} {o.query.id}[/] {o.query.query}\n   got: {got}", highlight=False)
