"""`assistant ui`: serve the web app for writers and reviewers."""

from __future__ import annotations

import typer

from assistant.cli.common import services


def ui(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (0.0.0.0: every interface)"),
    port: int = typer.Option(7860, "--port", help="port to listen on"),
) -> None:
    """Serve the web app (sign in, write, check, review, export) in Chinese and English."""
    from ui import serve

    serve(services(), host=host, port=port)
