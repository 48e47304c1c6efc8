"""`assistant brand list | init NAME`: the brand kits in brands_dir and the packaged samples."""

from __future__ import annotations

import typer

from assistant.cli.common import services
from assistant.cli.render import console

app = typer.Typer(help="Brand kits: list them, scaffold a new one.", no_args_is_help=True)


@app.command("list")
def list_kits() -> None:
    """Brand kits: yours (brands_dir) and the packaged samples."""
    folders = services().brand_folders
    for brand in folders.ids():
        where = "sample, read-only" if folders.is_sample(brand) else str(folders.path(brand))
        console.print(f"{brand}  [dim]({where})[/]", highlight=False)
    console.print(f"[dim]your brand kits live in {folders.brands_dir} (setting brands_dir, ASSISTANT_BRANDS_DIR)[/]",
                  highlight=False)


@app.command("init")
def init(
    brand: str = typer.Argument(..., help="brand id: lower-case letters, digits, - and _ (the folder name)"),
    name: str | None = typer.Option(None, "--name", help="display name (default: from the id)"),
) -> None:
    """Scaffold a brand kit with comments: brand.yaml, glossary/ and guidelines/ in brands_dir."""
    svc = services()
    folder = svc.brand_folders.init(brand, name)
    svc.brand(brand)  # the scaffold must load
    console.print(f"created {folder / 'brand.yaml'} (fill it in), {folder / 'glossary'}/ and {folder / 'guidelines'}/",
                  highlight=False)
    console.print(f"next: edit brand.yaml, put guideline files in guidelines/, then `assistant kb ingest --brand {brand}`",
                  highlight=False)
