from __future__ import annotations

import json

import typer

from assistant.settings import load_settings

app = typer.Typer(help="Show the effective settings.", no_args_is_help=True)


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Print the effective settings (defaults < config file < environment), secrets masked."""
    data = load_settings().masked()
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    width = max(len(k) for k in data)
    for key, value in data.items():
        typer.echo(f"{key:<{width}}  {value if value is not None else '-'}")
