from __future__ import annotations

from pathlib import Path

import typer

from assistant.batch.demo import run_demo
from assistant.cli.common import services
from assistant.cli.render import console, drafts_summary, exit_if_any_failed
from assistant.cli.users_cmd import AS, sign_in


def demo(
    out: Path = typer.Option(Path("out"), "--out", "-o", help="where the exports and report go"),
    langs: str = typer.Option("en,de,zh", "--langs", help="comma-separated languages"),
    limit: int | None = typer.Option(None, "--limit", help="only the first N sample products"),
    rounds: int = typer.Option(1, "--rounds", min=0, max=5,
                               help="revise rounds for drafts with error findings (the report shows before and after)"),
    as_: str | None = AS,
) -> None:
    """Draft listings for the sample brand, check them, export CSV + JSONL and an HTML report."""
    svc = services()
    actor = sign_in(svc, as_)  # local single-user mode while there are no users
    console.print(f"provider: {svc.settings.resolved_provider} · data: {svc.settings.home}")
    result = run_demo(
        svc, out, langs=[x.strip() for x in langs.split(",") if x.strip()], limit=limit,
        revise_rounds=rounds, actor=actor, progress=lambda d: console.print(
            f"  #{d.id} {d.request.product.sku} {d.request.lang}: {d.status}, score {d.report.score}, "
            f"round {d.round}, {d.usage.latency_ms / 1000:.1f} s"
        ),
    )
    console.print(drafts_summary(result.drafts))
    for name, path in result.files.items():
        console.print(f"{name}: {path}")
    exit_if_any_failed(result.drafts, svc.settings.db_url_display)
