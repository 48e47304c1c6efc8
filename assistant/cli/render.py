"""Rendering of drafts and findings for the terminal."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from assistant.errors import ExitCode

if TYPE_CHECKING:
    from rich.table import Table
    from assistant.compliance.models import CheckReport
    from assistant.generation.models import Draft

_probe = Console()
# Piped output (CI logs, `make demo`) would otherwise wrap tables at 80 columns. emoji=False: copy
# quoted back to the user is printed as written (":fire:" stays text), and the emoji table is not loaded.
console = Console(soft_wrap=True, width=None if _probe.is_terminal else 160, emoji=False)
err_console = Console(stderr=True, emoji=False)


# ANSI/VT escape sequences, other C0/C1 control characters (tab and newline stay) and bidi controls
# that could hide or reorder text on the reviewer's terminal
_CONTROL = re.compile(r"\x1b(?:\[[0-?]{0,32}[ -/]{0,8}[@-~]|\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)?|[@-_])?|"
                      r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe(value: object) -> str:
    """User content for Rich output: escape sequences and control characters replaced by U+FFFD (they
    could hide or rewrite text on the reviewer's terminal), Rich markup (``[bold]``, ``[/]``) escaped
    so it prints as written."""
    return escape(_CONTROL.sub("\ufffd", str(value)))


def print_report(report: CheckReport, title: str = "Findings") -> None:
    """One block per finding: severity, where, rule, the text, message, suggested fix, source."""
    if not report.findings:
        console.print(f"[green]No findings[/] (score {report.score}/100)")
        return
    c = report.counts()
    console.print(f"[bold]{title}[/]: {c['error']} error, {c['warning']} warning, {c['info']} info "
                  f"(score {report.score}/100)")
    for f in report.findings:
        colour = {"error": "red", "warning": "yellow", "info": "cyan"}[f.severity]
        where = f"{safe(f.field)} " if f.field else ""
        text = f' "{safe(f.matched)}"' if f.matched else ""
        console.print(f"[{colour}]{f.severity:<7}[/] {where}\\[{f.start}:{f.end}] {safe(f.rule_id)}{text}", highlight=False)
        console.print(f"        {safe(f.message)}", highlight=False)
        if f.suggestion:
            console.print(f"        fix: {safe(f.suggestion)}", highlight=False)
        if f.source:
            console.print(f"        source: {safe(f.source)}", highlight=False, style="dim")


def drafts_summary(drafts: list[Draft]) -> Table:
    from rich.table import Table  # only commands that print tables pay for it

    table = Table(title="Drafts")
    for col in ("id", "sku", "lang", "market", "status", "score", "errors", "warnings", "tokens in/out", "seconds", "title"):
        table.add_column(col, overflow="fold")
    for d in drafts:
        c = d.report.counts()
        table.add_row(str(d.id), safe(d.request.product.sku), safe(d.request.lang), safe(d.request.market),
                      d.status if d.status == "ok" else f"[red]{safe(d.status)}[/]", str(d.report.score),
                      str(c["error"]), str(c["warning"]), f"{d.usage.prompt_tokens}/{d.usage.completion_tokens}",
                      f"{d.usage.latency_ms / 1000:.1f}", safe(str(d.fields.get("title", d.error or ""))[:70]))
    return table


def exit_if_any_failed(drafts: list[Draft], where: str) -> None:
    """Exit ``ExitCode.PROVIDER`` (3) when any draft failed at provider or schema level, saying how
    many and where their raw replies are; a script or CI job can then tell."""
    failed = [d for d in drafts if d.status == "failed"]
    if not failed:
        return
    ids = ", ".join(f"#{d.id}" for d in failed)
    console.print(f"[red]{len(failed)} of {len(drafts)} draft(s) failed[/] (the model's reply did not fit the schema "
                  f"after one repair request): {ids}. Their raw replies are stored with the drafts in {safe(where)} "
                  "(drafts.raw_output) and shown above.", highlight=False)
    raise typer.Exit(ExitCode.PROVIDER)
