"""Command line: thin commands that parse, call a service and render. Errors become messages here.

Exit codes: 0 ok, 1 error-severity findings (review), 2 bad input or settings, 3 provider failure,
4 refused, 5 conflict or database busy (retry).
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from assistant.errors import AssistantError

app = typer.Typer(
    name="assistant",
    help="Brand Content Assistant: draft, check and approve multilingual marketing copy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)


_registered = False


def _register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    from assistant.cli import config_cmd, demo_cmd, export_cmd, generate_cmd, review_cmd

    app.add_typer(config_cmd.app, name="config")
    app.add_typer(generate_cmd.app, name="generate")
    app.command("review")(review_cmd.review)
    app.command("export")(export_cmd.export)
    app.command("demo")(demo_cmd.demo)
    from assistant.cli import kb_cmd

    app.add_typer(kb_cmd.app, name="kb")
    from assistant.cli import eval_cmd

    app.add_typer(eval_cmd.app, name="eval")
    from assistant.cli import batch_cmd

    app.add_typer(batch_cmd.app, name="batch")
    from assistant.cli import users_cmd, workflow_cmd

    app.add_typer(users_cmd.app, name="users")
    for name, command in workflow_cmd.COMMANDS.items():
        app.command(name)(command)
    from assistant.cli import ui_cmd

    app.command("ui")(ui_cmd.ui)


def main(argv: list[str] | None = None) -> None:
    _register()
    from sqlalchemy.exc import OperationalError

    from assistant.storage.db import storage_error

    try:
        try:
            app(args=argv, standalone_mode=True)
        except OperationalError as exc:  # a read or a migration that met a locked or unreachable database
            raise storage_error(exc, _database_url()) from exc
    except AssistantError as exc:
        from assistant.cli.render import safe

        err_console.print(f"[bold red]error:[/] {safe(exc.render())}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted; everything finished before this point is saved")
        sys.exit(130)


def _database_url() -> str:
    try:
        from assistant.settings import load_settings

        return load_settings().db_url
    except Exception:  # noqa: BLE001 - only to name the database in a message
        return "the database"
