from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import services
from assistant.cli.render import print_report
from assistant.errors import InputError


def review(
    text: str | None = typer.Option(None, "--text", "-t", help="copy to check; fields may be labelled one per line (Title: ...)"),
    file: Path | None = typer.Option(None, "--file", "-f", help="read the copy from a text file"),
    lang: str = typer.Option("en", "--lang", "-l"),
    market: str = typer.Option("US", "--market", "-m"),
    channel: str = typer.Option("listing", "--channel", "-c"),
    platform: str | None = typer.Option(None, "--platform"),
) -> None:
    """Check copy against the compliance and quality rules. Exit 1 when any finding is an error."""
    if (text is None) == (file is None):
        raise InputError("give exactly one of --text or --file")
    if file is not None:
        if not file.exists():
            raise InputError("file not found", where=str(file))
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("not UTF-8 text", where=str(file), fix="save the file as UTF-8") from exc
    report = services().checker.check_text(text or "", lang=lang, market=market, channel=channel, platform=platform)
    print_report(report)
    raise typer.Exit(1 if report.has_errors else 0)
