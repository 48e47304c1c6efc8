from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import services
from assistant.cli.users_cmd import AS, sign_in
from assistant.errors import InputError
from assistant.export import FORMATS, RenderContext, Selection, write_report

FORMAT_HELP = "; ".join(f"{name}: {spec.description}" for name, spec in FORMATS.items())


def export(
    fmt: str = typer.Option("csv", "--format", help=f"{FORMAT_HELP}; html: the review report of stored drafts"),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="output folder"),
    include_unapproved: bool = typer.Option(False, "--include-unapproved",
                                            help="also items not yet approved; the file is marked UNAPPROVED"),
    kind: str | None = typer.Option(None, "--kind"),
    brand: str | None = typer.Option(None, "--brand"),
    lang: str | None = typer.Option(None, "--lang"),
    market: str | None = typer.Option(None, "--market"),
    bom: bool | None = typer.Option(None, "--bom/--no-bom", help="UTF-8 byte-order mark (default: on for csv only)"),
    campaign: str | None = typer.Option(None, "--campaign", help="google_ads: campaign name"),
    ad_group: str | None = typer.Option(None, "--ad-group", help="google_ads: ad group (default: product name)"),
    final_url: str | None = typer.Option(None, "--final-url", help="google_ads: landing page, {sku} {handle} {lang}"),
    as_: str | None = AS,
) -> None:
    """Export approved copy (recorded; the items become 'exported'), or the HTML review report."""
    svc = services()
    if fmt == "html":
        drafts = svc.drafts.list(kind=kind, brand=brand)
        if not drafts:
            raise InputError("no drafts stored yet", fix="generate some first: assistant generate listing --product FILE")
        typer.echo(f"wrote {len(drafts)} drafts to {write_report(drafts, out / 'report.html')}")
        return
    if fmt not in FORMATS:
        raise InputError(f"unknown export format '{fmt}'", where="--format", fix=f"use one of: {', '.join(FORMATS)}, html")
    result = svc.exports.export(
        fmt, out, actor=sign_in(svc, as_), include_unapproved=include_unapproved,
        selection=Selection(brand=brand, lang=lang, market=market, kind=kind), bom=bom,
        ctx=RenderContext(campaign=campaign, ad_group=ad_group, final_url=final_url),
    )
    if result.unapproved:
        typer.secho(f"warning: {result.unapproved} of {result.items} item(s) are NOT approved; the file is marked "
                    "UNAPPROVED: do not publish it", fg="yellow", err=True)
    again = "" if result.new_record else f" (same items and versions as export #{result.export_id}: recorded once)"
    typer.echo(f"wrote {result.items} item(s) to {result.path}{again}")
    if result.marked_exported:
        typer.echo(f"marked exported: {', '.join(map(str, result.marked_exported))}")
