"""Command line: thin commands that parse, call a service and render. Errors become messages here.

Exit codes: ``assistant.errors.ExitCode`` (the one list; the README repeats it).

Commands load lazily: ``COMMANDS`` names each command's module and a one-line help, so
``assistant --help`` and ``assistant review`` import only what they use (``evals/bench_startup.py``).
A command registered on ``app`` directly (``_register``) works too, but is imported at every start.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
import typer.core

from assistant.errors import AssistantError, ExitCode

HELP = "Brand Content Assistant: draft, check and approve multilingual marketing copy."
app = typer.Typer(
    name="assistant",
    help=HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# name: (module, attribute, short help). The attribute is a Typer app (a group) or a command function.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "generate": ("assistant.cli.generate_cmd", "app", "Draft copy with the configured model (every kind)."),
    "review": ("assistant.cli.review_cmd", "review", "Check copy against the compliance and quality rules."),
    "export": ("assistant.cli.export_cmd", "export", "Export approved copy, or the HTML review report."),
    "demo": ("assistant.cli.demo_cmd", "demo", "Draft, check and export listings for the sample brand."),
    "brand": ("assistant.cli.brand_cmd", "app", "Brand kits: list them, scaffold a new one."),
    "config": ("assistant.cli.config_cmd", "app", "Show the effective settings."),
    "kb": ("assistant.cli.kb_cmd", "app", "Brand knowledge: guideline files, search, glossaries."),
    "eval": ("assistant.cli.eval_cmd", "app", "Run evaluations and print their numbers."),
    "users": ("assistant.cli.users_cmd", "app", "Users and roles: writer, reviewer, admin."),
    "queue": ("assistant.cli.workflow_cmd", "queue", "List content items with their findings counts."),
    "show": ("assistant.cli.workflow_cmd", "show", "An item's text, findings, versions and decisions."),
    "submit": ("assistant.cli.workflow_cmd", "submit", "Send a draft (or changed copy) to review."),
    "approve": ("assistant.cli.workflow_cmd", "approve", "Approve the current version."),
    "reject": ("assistant.cli.workflow_cmd", "reject", "Reject the item for good."),
    "request-changes": ("assistant.cli.workflow_cmd", "request_changes", "Send the item back to the writer."),
    "edit": ("assistant.cli.workflow_cmd", "edit", "Edit the copy: a new version, checked again."),
    "comment": ("assistant.cli.workflow_cmd", "comment", "Comment on an item."),
    "batch": ("assistant.cli.batch_cmd", "app", "Generate copy for a whole catalogue: resumable, rate-limited."),
    "ui": ("assistant.cli.ui_cmd", "ui", "Start the web app for writers and reviewers."),
}


def load_command(name: str) -> Any:
    """Import one command's module and turn it into a click command."""
    module, attribute, _ = COMMANDS[name]
    target: Any = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):  # a group, even when it has one command (config show)
        target._add_completion = False  # the top-level group owns the options
        command = typer.main.get_group(target)
    else:
        single = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(typer.core.TyperGroup):
    """Lists every command from ``COMMANDS`` (and ``app``) but imports only the one that runs."""

    def __init__(self, eager: Any, **kwargs: Any):
        super().__init__(rich_markup_mode=None, **kwargs)
        self.eager = eager

    def list_commands(self, ctx: Any) -> list[str]:
        extra = self.eager.list_commands(ctx) if self.eager else []
        return sorted(set(COMMANDS) | set(extra))

    def get_command(self, ctx: Any, name: str) -> Any:
        if name in COMMANDS:
            return load_command(name)
        return self.eager.get_command(ctx, name) if self.eager else None

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in COMMANDS:
                rows.append((name, COMMANDS[name][2]))
            elif self.eager and (command := self.eager.get_command(ctx, name)) is not None:
                rows.append((name, command.get_short_help_str(limit=80)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


_registered = False


def _register() -> None:
    """Commands added here directly are imported at start-up; prefer an entry in ``COMMANDS``."""
    global _registered
    if _registered:
        return
    _registered = True


def cli() -> LazyGroup:
    _register()
    eager = typer.main.get_group(app) if app.registered_commands or app.registered_groups else None
    return LazyGroup(eager, name="assistant", help=HELP, no_args_is_help=True,
                     context_settings={"help_option_names": ["--help"]})


def main(argv: list[str] | None = None) -> None:
    try:
        try:
            cli().main(args=argv, prog_name="assistant", standalone_mode=True)
        except Exception as exc:
            from sqlalchemy.exc import OperationalError  # imported only when something failed (start-up time)

            if not isinstance(exc, OperationalError):
                raise
            from assistant.storage.db import storage_error

            # a read or a migration that met a locked or unreachable database
            raise storage_error(exc, _database_url()) from exc
    except AssistantError as exc:
        from rich.console import Console

        from assistant.cli.render import safe

        Console(stderr=True, emoji=False).print(f"[bold red]error:[/] {safe(exc.render())}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("interrupted; everything finished before this point is saved", file=sys.stderr)
        sys.exit(ExitCode.INTERRUPTED)


def _database_url() -> str:
    try:
        from assistant.settings import load_settings

        return load_settings().db_url
    except Exception:  # noqa: BLE001 - only to name the database in a message
        return "the database"
