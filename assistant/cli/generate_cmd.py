from __future__ import annotations

from pathlib import Path

import typer

from assistant.catalog import load_products
from assistant.cli.common import services
from assistant.cli.render import console, drafts_summary, print_report
from assistant.errors import InputError
from assistant.locales import resolve_language, resolve_market

app = typer.Typer(help="Draft copy with the configured model; every draft is checked and stored.", no_args_is_help=True)


@app.command("listing")
def listing(
    product: Path = typer.Option(..., "--product", "-p", help="product file: .json, .jsonl, .csv or .xlsx"),
    lang: str = typer.Option("en", "--lang", "-l", help="target language, e.g. en, de, zh, ja"),
    market: str = typer.Option("US", "--market", "-m", help="target market, e.g. US, DE, CN, JP"),
    sku: str | None = typer.Option(None, "--sku", help="only this product from the file"),
    brand: str | None = typer.Option(None, "--brand", "-b", help="brand kit id (folder under knowledge/)"),
    platform: str | None = typer.Option(None, "--platform", help="e.g. amazon, shopify"),
) -> None:
    """Product listing: title, bullets, description, SEO meta, ALT text, keywords."""
    resolve_language(lang, where="--lang")  # bad input fails before any model is loaded
    resolve_market(market, where="--market")
    products = load_products(product)
    if sku:
        products = [p for p in products if p.sku == sku]
        if not products:
            raise InputError(f"no product with sku '{sku}'", where=str(product))
    svc = services()
    kit = svc.brand(brand)
    drafts = []
    for item in products:
        draft = svc.generator.generate("listing", item, kit, lang=lang, market=market, platform=platform)
        drafts.append(draft)
        console.rule(f"draft #{draft.id} · {item.sku} · {draft.request.lang}-{draft.request.market}")
        if draft.status == "failed":
            console.print(f"[red]{draft.error}[/]\nraw output kept in draft #{draft.id}")
            continue
        for name, value in draft.fields.items():
            shown = "\n  - ".join([""] + value) if isinstance(value, list) else value
            console.print(f"[bold]{name}[/]: {shown}", highlight=False)
        print_report(draft.report)
    console.print(drafts_summary(drafts))
