from __future__ import annotations

import json
from pathlib import Path

import typer

from assistant.cli.common import services
from assistant.cli.render import console, err_console, print_report, safe
from assistant.errors import ExitCode, InputError


def _read(path: Path, what: str) -> str:
    try:
        return _read_bytes(path, what).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", where=str(path), fix="save the file as UTF-8") from exc


def _read_bytes(path: Path, what: str) -> bytes:
    if not path.is_file():
        raise InputError("file not found" if not path.exists() else "not a file", where=str(path),
                         fix=f"check the {what} path")
    return path.read_bytes()


def review(
    text: str | None = typer.Option(None, "--text", "-t", help="copy to check; fields may be labelled one per line (Title: ...)"),
    file: Path | None = typer.Option(None, "--file", "-f", help="read the copy from a text file"),
    input: Path | None = typer.Option(None, "--input", "-i", help="JSONL cases {id,text,lang,market,channel[,platform,facts]}"),
    output: Path | None = typer.Option(None, "--output", "-o", help="with --input: write findings JSONL here (default: stdout)"),
    lang: str = typer.Option("en", "--lang", "-l"),
    market: str = typer.Option("US", "--market", "-m"),
    channel: str = typer.Option("listing", "--channel", "-c", help="listing, search_ad, social_ad, email, social_post, influencer_post"),
    platform: str | None = typer.Option(None, "--platform", help="amazon, google_ads, meta, instagram, x, linkedin, tiktok, shopify"),
    facts: Path | None = typer.Option(None, "--facts", help="JSON file with the product's facts: turns on grounding"),
    brand: str | None = typer.Option(None, "--brand", help="apply this brand kit's banned terms and legal footer"),
    fix: bool = typer.Option(False, "--fix", help="print proposed fixes as a unified diff (nothing is changed)"),
) -> None:
    """Check copy against the compliance and quality rules. Exit 1 when any finding is an error,
    2 on bad input (with --input: any bad line; the other lines are still reviewed)."""
    if sum(x is not None for x in (text, file, input)) != 1:
        raise InputError("give exactly one of --text or --file (or --input with JSONL cases)")
    svc = services()
    if input is not None:
        raise typer.Exit(_review_batch(svc.checker, _read_bytes(input, "--input"), output))
    if file is not None:
        text = _read(file, "--file")
    fact_data = _facts(facts)
    kit = svc.brand(brand) if brand else None
    report = svc.checker.check_text(text or "", lang=lang, market=market, channel=channel, platform=platform,
                                    facts=fact_data, brand=kit)
    print_report(report)
    if fix:
        proposal = svc.checker.propose_fixes(text or "", report, lang=lang, channel=channel, platform=platform, brand=kit)
        console.print("[bold]Proposed fixes[/] (not applied; review the diff):" if proposal.edits else "No mechanical fixes.")
        if proposal.edits:
            console.print(proposal.diff, markup=False, highlight=False)
        if proposal.not_fixable:
            console.print(f"Needs a human: {', '.join(proposal.not_fixable)}", highlight=False)
    raise typer.Exit(ExitCode.FINDINGS if report.has_errors else ExitCode.OK)


def _facts(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        data = json.loads(_read(path, "--facts"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", where=f"{path}:{exc.lineno}") from exc
    if not isinstance(data, dict):
        raise InputError("facts must be a JSON object", where=str(path))
    return data


def _review_batch(checker, content: bytes, output: Path | None) -> int:
    from assistant.compliance.cases import review_lines, split_lines

    bad = errors = 0
    lines = []
    for result in review_lines(checker, split_lines(content.removeprefix(b"\xef\xbb\xbf"))):
        if result.error:
            bad += 1
            err_console.print(f"[red]bad input[/] {safe(result.error)}", highlight=False, soft_wrap=True)
            continue
        errors += result.has_errors
        lines.append(json.dumps(result.output, ensure_ascii=False))
    body = "".join(line + "\n" for line in lines)
    if output is None:
        typer.echo(body, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(body, encoding="utf-8")
        err_console.print(f"reviewed {len(lines)} case(s), {bad} bad line(s); findings in {output}", highlight=False)
    return ExitCode.BAD_INPUT if bad else ExitCode.FINDINGS if errors else ExitCode.OK
