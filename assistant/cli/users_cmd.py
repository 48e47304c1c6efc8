"""``assistant users add | list | enable | disable | passwd``, and signing in for every command
that changes something.

Who the CLI acts as: ``--as NAME`` or ``ASSISTANT_USER``. The password: ``ASSISTANT_PASSWORD``, or
asked for (hidden) when a terminal is attached. It is checked against the stored argon2 hash on
every command; nothing is cached on disk. A name without its password is never recorded as anyone.

While the data store has no users at all, commands act in local single-user mode (recorded as
'local' in the audit log; it cannot approve). It ends when the first user is added.
"""

from __future__ import annotations

import getpass
import os
import sys

import typer
from rich.table import Table

from assistant.cli.common import services
from assistant.cli.render import console, safe
from assistant.errors import InputError
from assistant.services import Services
from assistant.users import ROLES, User, local_user

app = typer.Typer(help="Users and roles: writer, reviewer, admin.", no_args_is_help=True)
AS = typer.Option(None, "--as", help="act as this user (default: $ASSISTANT_USER); password from "
                  "$ASSISTANT_PASSWORD or a prompt")


def sign_in(svc: Services, as_: str | None, password: str | None = None) -> User:
    """The acting user (``UserService.sign_in``): signed in with name and password (``password``, or
    asked for in a terminal), or the local single-user actor while the store has no users."""
    name, password = credentials(svc, as_, password)
    if name is None and password is None and svc.users.count() == 0:
        from assistant.cli.render import err_console

        err_console.print("[dim]local single-user mode (no users yet): recorded as 'local'[/]", highlight=False)
        return local_user()
    return svc.users.sign_in(name, password)


def credentials(svc: Services, as_: str | None, password: str | None = None) -> tuple[str | None, str | None]:
    """Who signs in, and with which password (``(None, None)`` in local single-user mode): the name
    from ``--as`` or ``ASSISTANT_USER``; the password ``password`` if given, else ``ASSISTANT_PASSWORD``,
    else asked for in a terminal."""
    name = as_ or svc.settings.user
    if svc.users.count() == 0 and not name:
        return None, None
    password = password if password is not None else os.environ.get("ASSISTANT_PASSWORD")
    if password is None and name and sys.stdin.isatty() and svc.users.count():
        password = getpass.getpass(f"password for {name}: ")
    return name, password


def password_from_stdin() -> str:
    """One line of standard input (``--password-stdin``), without its line end."""
    return sys.stdin.readline().rstrip("\r\n")


def sign_in_to_read(svc: Services, as_: str | None) -> User | None:
    """For read-only commands that remember what a user saw: the signed-in user when a name is given
    and a password is available (environment, or a terminal to ask), else ``None``."""
    name = as_ or svc.settings.user
    if not name or svc.users.count() == 0:
        return None
    if os.environ.get("ASSISTANT_PASSWORD") is None and not sys.stdin.isatty():
        return None
    return sign_in(svc, as_)


def _new_password(from_stdin: bool, name: str) -> str:
    if from_stdin:
        password = password_from_stdin()
    elif sys.stdin.isatty():
        password = getpass.getpass(f"new password for {name}: ")
        if getpass.getpass("repeat it: ") != password:
            raise InputError("the two passwords differ", fix="run the command again")
    else:
        raise InputError("no new password given", fix="pipe it in with --password-stdin, or run in a terminal")
    return password


@app.command("add")
def add(
    name: str = typer.Argument(..., help="user name: lower-case letters, digits, . _ -"),
    role: str = typer.Option(..., "--role", "-r", help=f"one of: {', '.join(ROLES)}"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from standard input"),
    as_: str | None = AS,
) -> None:
    """Add a user. The first user of a new database must be an admin and needs no sign-in."""
    svc = services()
    actor = sign_in(svc, as_) if svc.users.count() else None
    user = svc.users.add(name, role, _new_password(password_stdin, name), actor=actor)
    typer.echo(f"added {user.role} '{user.name}'")


@app.command("list")
def list_users() -> None:
    """List users, their roles and whether they are active."""
    table = Table(title="Users")
    for col in ("name", "role", "active", "since"):
        table.add_column(col)
    for u in services().users.list():
        table.add_row(safe(u.name), u.role, "yes" if u.active else "[red]disabled[/]", u.created_at.strftime("%Y-%m-%d"))
    console.print(table)


def _set_active(name: str, active: bool, as_: str | None) -> None:
    svc = services()
    user = svc.users.set_active(name, active, actor=sign_in(svc, as_))
    typer.echo(f"{'enabled' if user.active else 'disabled'} '{user.name}'")


@app.command("disable")
def disable(name: str = typer.Argument(...), as_: str | None = AS) -> None:
    """Disable a user (admin). Their history stays; they can no longer sign in."""
    _set_active(name, False, as_)


@app.command("enable")
def enable(name: str = typer.Argument(...), as_: str | None = AS) -> None:
    """Enable a disabled user again (admin)."""
    _set_active(name, True, as_)


@app.command("passwd")
def passwd(
    name: str = typer.Argument(..., help="whose password (your own, or anyone's for an admin)"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the new password from standard input"),
    as_: str | None = AS,
) -> None:
    """Change a password."""
    svc = services()
    actor = sign_in(svc, as_)
    svc.users.set_password(name, _new_password(password_stdin, name), actor=actor)
    typer.echo(f"password changed for '{name}'")
