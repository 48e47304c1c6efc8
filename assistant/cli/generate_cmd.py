"""`assistant generate KIND ...` for every content kind, plus `generate translate`."""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.catalog import read_products
from assistant.cli.common import services
from assistant.cli.render import console, drafts_summary, exit_if_any_failed, print_report, safe
from assistant.cli.users_cmd import AS, sign_in
from assistant.errors import ExitCode, InputError
from assistant.generation.kinds import KINDS, Kind
from assistant.generation.models import Draft
from assistant.locales import resolve_language, resolve_market

app = typer.Typer(help="Draft copy with the configured model; every draft is checked, revised while it has "
                  "errors, and stored.", no_args_is_help=True)


def _make_command(kind: Kind):
    def command(
        product: Path = typer.Option(..., "--product", "-p", help="product file: .json, .jsonl, .csv or .xlsx"),
        lang: str = typer.Option("en", "--lang", "-l", help="target language(s), comma-separated: en, de, zh, ja, ar ..."),
        market: str = typer.Option("US", "--market", "-m", help="target market, e.g. US, DE, CN, JP"),
        sku: str | None = typer.Option(None, "--sku", help="only this product from the file"),
        brand: str | None = typer.Option(None, "--brand", "-b", help="brand kit id (folder under brands_dir)"),
        platform: str | None = typer.Option(None, "--platform", help=f"one of: {', '.join(kind.platforms()) or '(none)'}"),
        segment: str | None = typer.Option(None, "--segment", help="e-mail only: prospect, first_time_buyer, loyal, lapsed"),
        variants: int = typer.Option(1, "--variants", "-n", help="A/B variants with distinct angles (1-8)"),
        context: str | None = typer.Option(None, "--context", help="the review, comment or situation to answer"),
        context_file: Path | None = typer.Option(None, "--context-file", help="read --context from a file"),
        rounds: int | None = typer.Option(None, "--rounds", help="reviser rounds (default: setting revise_rounds)"),
        out: Path | None = typer.Option(None, "--out", help="e-mail only: write each e-mail's .html and .txt here"),
        as_: str | None = AS,
    ) -> None:
        langs = [code.strip() for code in lang.split(",") if code.strip()]
        for code in langs:  # bad input fails before any model is loaded
            resolve_language(code, where="--lang")
        resolve_market(market, where="--market")
        if context_file is not None:
            context = _read(context_file)
        items, skipped = _products(product)
        if sku:
            items = [p for p in items if p.sku == sku]
            if not items:
                raise InputError(f"no product with sku '{sku}'", where=str(product))
        svc = services()
        actor = sign_in(svc, as_)  # the author of every draft: before any model is loaded
        kit = svc.brand(brand)
        gen = svc.generator
        shown: list[Draft] = []
        for item in items:
            for code in langs:
                opts = dict(lang=code, market=market, platform=platform, segment=segment, context=context,
                            revise_rounds=rounds, actor=actor)
                if variants == 1:
                    drafts, removed = [gen.generate(kind.name, item, kit, **opts)], []
                else:
                    result = gen.generate_variants(kind.name, item, kit, n=variants, **opts)
                    drafts, removed = result.drafts, result.removed
                for draft in drafts:
                    show_draft(draft, gen.history(draft), out)
                if removed:
                    console.print(f"[yellow]{len(removed)} near-duplicate variant(s) removed[/]")
                shown += drafts
        console.print(drafts_summary(shown))
        exit_if_any_failed(shown, svc.settings.db_url_display)
        if skipped:
            raise typer.Exit(ExitCode.BAD_INPUT)

    command.__doc__ = kind.description + "."
    return command


def _products(path: Path) -> tuple[list, int]:
    """The file's valid products; each bad line or row is reported on stderr and skipped (the
    command then exits 2). No valid product at all: the first problem is the error."""
    from assistant.cli.render import err_console

    loaded = read_products(path)
    if not loaded.products:
        raise loaded.problems[0]
    for problem in loaded.problems:
        err_console.print(f"[red]skipped[/] {safe(problem.render())}", highlight=False, soft_wrap=True)
    return loaded.products, len(loaded.problems)


for _kind in KINDS.values():
    app.command(_kind.name)(_make_command(_kind))


@app.command("translate")
def translate(
    draft: int = typer.Option(..., "--draft", "-d", help="id of the approved source draft"),
    lang: str = typer.Option(..., "--lang", "-l", help="target language"),
    market: str = typer.Option(..., "--market", "-m", help="target market"),
    brand: str | None = typer.Option(None, "--brand", "-b", help="brand kit id"),
    platform: str | None = typer.Option(None, "--platform", help="default: the source draft's"),
    rounds: int | None = typer.Option(None, "--rounds", help="reviser rounds (default: setting revise_rounds)"),
    as_: str | None = AS,
) -> None:
    """Translate an approved draft, keeping do-not-translate and glossary terms."""
    resolve_language(lang, where="--lang")
    resolve_market(market, where="--market")
    svc = services()
    actor = sign_in(svc, as_)
    result = svc.generator.translate(draft, svc.brand(brand), lang=lang, market=market, platform=platform,
                                     revise_rounds=rounds, actor=actor)
    show_draft(result, svc.generator.history(result), None)
    console.print(drafts_summary([result]))
    exit_if_any_failed([result], svc.settings.db_url_display)


def show_draft(draft: Draft, rounds: list[Draft], out: Path | None) -> None:
    req = draft.request
    angle = f" · angle {safe(req.angle)}" if req.angle else ""
    console.rule(f"draft #{draft.id} · {req.kind} · {safe(req.product.sku)} · {safe(req.lang)}-{safe(req.market)}{angle}")
    console.print("[dim]guidelines used:[/] " + (safe(", ".join(draft.guideline_ids)) or "none (ingest them: assistant kb ingest)"),
                  highlight=False)
    if draft.status == "failed":
        console.print(f"[red]{safe(draft.error)}[/]", highlight=False)
        console.print(f"raw reply (kept in draft #{draft.id}): {draft.raw_output[:600]!r}", markup=False, highlight=False)
        return
    first = rounds[0]
    for name, value in draft.fields.items():
        console.print(f"[bold]{safe(name)}[/]: {safe(_show(value))}", highlight=False)
        if len(rounds) > 1 and first.fields.get(name) != value:
            console.print(f"  [dim]before (round 0): {safe(_show(first.fields.get(name)))}[/]", highlight=False)
    for fix in draft.fixes:
        console.print(f"[cyan]fixed[/] {safe(fix)}", highlight=False)
    if draft.rendered.get("send_time"):
        console.print(f"[bold]suggested send time[/]: {draft.rendered['send_time']} ({draft.rendered['send_time_zone']})")
        console.print(f"[bold]plain-text part[/]:\n{safe(draft.rendered['body_text'])}", highlight=False)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"email-{draft.id}.html").write_text(draft.rendered["body_html"], encoding="utf-8")
            (out / f"email-{draft.id}.txt").write_text(draft.rendered["body_text"], encoding="utf-8")
    if len(rounds) > 1:
        before, after = first.report.counts()["error"], draft.report.counts()["error"]
        console.print(f"[bold]revised[/] in {len(rounds) - 1} round(s): drafts "
                      f"{' -> '.join('#' + str(d.id) for d in rounds)}; errors {before} -> {after}")
    print_report(draft.report)


def _show(value) -> str:
    if isinstance(value, list):
        return "\n  - ".join([""] + [str(v) for v in value])
    return str(value)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the context file: {exc}", where=str(path)) from exc
