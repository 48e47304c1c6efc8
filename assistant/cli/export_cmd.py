from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import services
from assistant.export import EXPORT_FORMATS, export_drafts, write_report
from assistant.errors import InputError


def export(
    fmt: str = typer.Option("csv", "--format", help=f"one of: {', '.join(EXPORT_FORMATS)}, html"),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="output folder"),
    kind: str | None = typer.Option(None, "--kind"),
    brand: str | None = typer.Option(None, "--brand"),
) -> None:
    """Export stored drafts (CSV with formula-injection protection, JSONL, or the HTML report)."""
    if fmt not in EXPORT_FORMATS and fmt != "html":
        raise InputError(f"unknown export format '{fmt}'", where="--format", fix=f"use one of: {', '.join(EXPORT_FORMATS)}, html")
    drafts = services().drafts.list(kind=kind, brand=brand)
    if not drafts:
        raise InputError("no drafts stored yet", fix="generate some first: assistant generate listing --product FILE")
    path = write_report(drafts, out / "report.html") if fmt == "html" else export_drafts(drafts, fmt, out)
    typer.echo(f"wrote {len(drafts)} drafts to {path}")
