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
    """Recall@k and MRR of guideline retrieval on the sample knowledge, per language group: the hand-written
    questions per mode, and the queries generation itself issues (mode 'generation', k = settings.retrieval_k)."""
    from assistant.retrieval.evaluate import DEFAULT_SPEC, run_retrieval_eval

    settings = load_settings()
    runs = run_retrieval_eval(settings, embedders=embedder or [settings.embedder], modes=mode,
                              spec_path=spec or DEFAULT_SPEC, k=k)
    if as_json:
        console.out(json.dumps([{"embedder": r.embedder, "mode": r.mode, "k": r.k, "ms_per_query": round(r.query_ms, 2),
                                 **{g or "all": r.scores(g) for g in (None, *r.groups())}} for r in runs], indent=2))
        return
    table = Table(title="retrieval eval")
    for col in ("embedder", "mode", "k", "group", "queries", "recall@k", "MRR", "ms/query"):
        table.add_column(col)
    for r in runs:
        for group in (None, *r.groups()):
            s = r.scores(group)
            table.add_row(r.embedder, r.mode, str(r.k), group or "all", str(s["queries"]), f"{s[f'recall@{r.k}']:.3f}",
                          f"{s['mrr']:.3f}", f"{r.query_ms:.1f}" if group is None else "")
    console.print(table)
    if any(r.mode == "generation" for r in runs):
        console.print("mode 'generation': the queries generation issues (product name + category + kind, every "
                      "kind, en and zh-Hans) at settings.retrieval_k", highlight=False)
    if misses:
        for r in runs:
            for o in r.misses():
                got = "; ".join(f"{p.source} > {(p.section or '').split(' > ')[-1]}" for p in o.retrieved)
                console.print(f"[yellow]{r.embedder}/{r.mode} {o.query.id}[/] {o.query.query}\n   got: {got}", highlight=False)


@app.command("generation")
def generation(
    kinds: str | None = typer.Option(None, "--kinds", help="comma-separated kinds; default: all"),
    langs: str | None = typer.Option(None, "--langs", help="comma-separated languages; default: en,de,zh-Hans,ja"),
    limit: int | None = typer.Option(None, "--limit", min=1, help="only the first N products of the eval catalogue"),
    out: Path | None = typer.Option(None, "--out", help="write the full result (every case) as JSON here"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable summary"),
    log: Path | None = typer.Option(None, "--log", help="resumable run: append each case to this JSONL file and "
                                    "skip cases already in it"),
    shard: str = typer.Option("0/1", "--shard", help="I/N: generate only every N-th product starting at I, so N "
                              "processes (each with its own --home) can share one --log"),
    report_only: bool = typer.Option(False, "--report-only", help="generate nothing; summarise what --log holds"),
) -> None:
    """Products x kinds x languages with the configured provider: schema-valid rate, hard-limit compliance,
    language-ID match, errors left after the revise loop, tokens, cost, latency."""
    from assistant.cli.common import services
    from assistant.generation.evaluate import run_generation_eval, write_result

    shard_parts = shard.split("/")
    if len(shard_parts) != 2 or not all(p.isdigit() for p in shard_parts) or not 0 <= int(shard_parts[0]) < int(shard_parts[1]):
        raise typer.BadParameter(f"{shard!r} is not I/N with 0 <= I < N, e.g. 0/2 and 1/2", param_hint="--shard")
    if report_only and log is None:
        raise typer.BadParameter("--report-only needs --log FILE to summarise", param_hint="--report-only")
    split = lambda v: [x.strip() for x in v.split(",") if x.strip()] if v else None  # noqa: E731
    svc = services()
    from assistant.cli.users_cmd import sign_in

    result = run_generation_eval(
        svc, kinds=split(kinds), langs=split(langs), limit=limit, log=log,
        shard=(int(shard_parts[0]), int(shard_parts[1])), report_only=report_only,
        actor=None if report_only else sign_in(svc, None),  # drafts are stored: as the signed-in user
        progress=lambda c: console.print(f"{c.sku} {c.kind} {c.lang}: valid={c.schema_valid} retried={c.retried} "
                                         f"limits raw={c.raw_within_hard_limits} delivered={c.within_hard_limits} "
                                         f"lang={c.language_match} errors {c.errors_first}->{c.errors_final} "
                                         f"rounds={c.rounds} tokens={c.prompt_tokens}/{c.completion_tokens} "
                                         f"{c.latency_ms / 1000:.1f}s", highlight=False) if not as_json else None,
    )
    if out:
        write_result(result, out)
    if as_json:
        console.out(json.dumps({k: v for k, v in result.items() if k != "cases"}, indent=2, ensure_ascii=False))
        return
    console.print(f"{result['provider']}/{result['model']}, revise_rounds={result['revise_rounds']}, "
                  f"{result['products']} products x {len(result['kinds'])} kinds x {len(result['langs'])} languages: "
                  f"{result['summary']['cases']} of {result['planned_cases']} cases done")
    console.print(generation_table(result))
    if result["summary"]["hard_limits_raw_recorded"] < result["summary"]["cases"]:
        console.print(f"raw hard limits, shortened and trimmed: recorded for {result['summary']['hard_limits_raw_recorded']} "
                      f"of {result['summary']['cases']} cases (the rest were logged before they were recorded: "
                      "a new run fills them in)", highlight=False)


def generation_table(result: dict) -> Table:
    """One row per group. 'limits raw' is the model's own reply before shortening and trimming; an
    unidentifiable language counts as a miss in 'lang-ID match' and is also shown on its own."""
    pct = lambda v: "n/a" if v is None else f"{v:.1%}"  # noqa: E731
    table = Table(title="generation eval")
    for col in ("group", "cases", "schema-valid 1st reply", "after retry", "limits raw (model)", "shortened/trimmed",
                "limits delivered", "lang-ID match", "lang unknown", "errors first->after", "tokens in/out", "cost $",
                "s/draft"):
        table.add_column(col)
    rows = [("all", result["summary"])] + list(result["by_kind"].items()) + list(result["by_lang"].items())
    for name, s in rows:
        table.add_row(name, str(s["cases"]), pct(s["schema_valid_first_reply"]), pct(s["schema_valid_after_retry"]),
                      pct(s["hard_limits_raw"]),
                      f"{s['shortened_by_model']}/{s['trimmed_by_code']}" if s["hard_limits_raw_recorded"] else "n/a",
                      pct(s["hard_limits_delivered"]), pct(s["language_id_match_rate"]),
                      f"{s['language_id_undetermined']} ({pct(s['language_id_undetermined_rate'])})",
                      f"{s['error_findings_first_draft']}->{s['error_findings_after_revise']}",
                      f"{s['prompt_tokens']}/{s['completion_tokens']}", f"{s['cost_usd']:.4f}", f"{s['latency_s_mean']}")
    return table


@app.command("checker")
def checker(
    cases: Path | None = typer.Option(None, "--cases", help="labelled JSONL cases; default evals/checker/dev.jsonl"),
    show: int = typer.Option(50, "--show", help="list at most this many false positives and misses"),
) -> None:
    """Precision, recall and F1 of the compliance checker per category and per language (error+warning findings)."""
    from assistant.cli.common import services
    from assistant.compliance.evaluation import DEFAULT_CASES, evaluate, load_cases, tables

    path = cases or DEFAULT_CASES
    cases_read = load_cases(path)
    result = evaluate(services().checker, cases_read)
    console.print(f"[bold]checker eval[/] {path.name}: {result.cases} cases, {result.negatives} hard negatives "
                  f"({result.negatives / max(1, result.cases):.0%}), languages {dict(sorted(result.languages.items()))}",
                  highlight=False)
    for table in tables(result):
        console.print(table)
    labelled = sum(bool(c.spans) for c in cases_read)
    console.print(f"{labelled} of {result.cases} cases have labelled quotes (span-scored); the others are scored by "
                  "category only", highlight=False)
    for kind, plural in (("false positive", "false positives"), ("miss", "misses"), ("wrong place", "wrong places")):
        items = [m for m in result.mistakes + result.span_mistakes if m.kind == kind]
        console.print(f"[bold]{plural}: {len(items)}[/]")
        for m in items[:show]:
            console.print(f"  {m.case_id} [{m.lang}] {m.category}: {m.text[:110]!r} {m.evidence}", highlight=False,
                          markup=False)
