"""Review from the command line: queue, show, submit, approve, reject, request-changes, edit, comment."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

import typer
from rich.table import Table

from assistant.cli.common import services
from assistant.cli.render import console, print_report, safe
from assistant.cli.users_cmd import AS, sign_in, sign_in_to_read
from assistant.errors import InputError
from assistant.services import Services
from assistant.users import User
from assistant.workflow import ItemView
from assistant.workflow.diff import diff_versions, field_lines
from assistant.workflow.editing import parse_edited, to_editable

COMMENT = typer.Option(None, "--comment", "-c", help="why; recorded with the decision")
ITEM = typer.Argument(..., help="content item id (see `assistant queue`)")
VERSION = typer.Option(None, "--version", help="the version you reviewed (default: the one you last `show`ed); "
                       "refused if the item is no longer at it")


def queue(
    status: str | None = typer.Option(None, "--status", "-s", help="draft, in_review, approved, ..."),
    brand: str | None = typer.Option(None, "--brand", "-b"),
    lang: str | None = typer.Option(None, "--lang", "-l"),
    severity: str | None = typer.Option(None, "--severity", help="only items with a finding of this severity"),
    kind: str | None = typer.Option(None, "--kind", "-k"),
) -> None:
    """List content items, newest state first, with their findings counts."""
    items = services().workflow.queue(status=status, brand=brand, lang=lang, severity=severity, kind=kind)
    table = Table(title=f"{len(items)} item(s)")
    for col in ("id", "status", "kind", "sku", "lang", "v", "errors", "warnings", "title"):
        table.add_column(col, overflow="fold")
    for i in items:
        errors = f"[red]{i.errors}[/]" if i.errors else "0"
        table.add_row(str(i.id), i.status, i.kind, safe(i.sku), safe(f"{i.lang}-{i.market}"), str(i.version), errors,
                      str(i.warnings), safe(i.title[:60]))
    console.print(table)


def show(
    item_id: int = ITEM,
    diff_from: int | None = typer.Option(None, "--diff", help="diff against this version (default: the previous)"),
    history: bool = typer.Option(False, "--history", help="also print the audit trail"),
    as_: str | None = AS,
) -> None:
    """The item's current text, its findings, its versions (with a diff), decisions and comments.
    Signed in (--as / ASSISTANT_USER with a password), it remembers the version you saw: `approve`,
    `reject` and `request-changes` without --version then decide on exactly that version."""
    svc = services()
    viewer = sign_in_to_read(svc, as_)
    item = svc.workflow.get(item_id)
    _print_item(item, diff_from)
    if viewer is not None:
        svc.workflow.record_view(item_id, viewer, item.version)
        console.print(f"[dim]{viewer.name} saw version {item.version}: approve/reject now decide on it[/]",
                      highlight=False)
    if history:
        console.rule("audit trail")
        for e in svc.workflow.history(item_id):
            console.print(f"{e.at:%Y-%m-%d %H:%M:%S} {safe(e.actor):<12} {e.action:<22} {safe(_change(e.before, e.after))}",
                          highlight=False)


def _change(before: dict | None, after: dict | None) -> str:
    b, a = before or {}, after or {}
    parts = [f"{k}: {b[k]} -> {a[k]}" for k in ("status", "version") if k in b and k in a and b[k] != a[k]]
    parts += [f'{k}: "{a[k]}"' for k in ("comment", "override_reason") if a.get(k)]
    return "; ".join(parts)


def _print_item(item: ItemView, diff_from: int | None) -> None:
    console.rule(f"item {item.id} · {item.kind} · {safe(item.sku)} · {safe(item.lang)}-{safe(item.market)} · "
                 f"{item.status} · version {item.version}")
    for line in field_lines(item.current.fields):
        console.print(safe(line), highlight=False)
    print_report(item.current.report)
    console.print("[bold]versions[/]: " + ", ".join(
        f"v{v.number} {v.source}" + (f" by {safe(v.author)}" if v.author else "") for v in item.versions))
    base = diff_from if diff_from is not None else item.version - 1
    old = next((v for v in item.versions if v.number == base), None)
    if old is not None and base != item.version:
        console.print(safe(diff_versions(old.fields, item.current.fields, f"v{base}", f"v{item.version}")), highlight=False)
    for d in item.decisions:
        override = f' [yellow]override: "{safe(d.override_reason)}"[/]' if d.override_reason else ""
        console.print(f"{d.created_at:%Y-%m-%d %H:%M} [bold]{d.decision}[/] v{d.version} by {safe(d.reviewer)}: "
                      f"{safe(d.comment)}{override}", highlight=False)
    for c in item.comments:
        console.print(f"{c.created_at:%Y-%m-%d %H:%M} {safe(c.author)}: {safe(c.body)}", highlight=False)


def _done(item: ItemView, verb: str) -> None:
    typer.echo(f"item {item.id} {verb}: now {item.status} (version {item.version})")


def _reviewed(svc: Services, item_id: int, user: User, version: int | None, permission: str) -> int:
    """The version the reviewer decides on: --version, else the one they last `show`ed."""
    if version is not None:
        return version
    seen = svc.workflow.last_seen(item_id, user)
    if seen is None and not user.can(permission):
        return svc.workflow.get(item_id).version  # the workflow refuses the role, whichever version
    if seen is None:
        raise InputError(f"which version of item {item_id} did you review? '{user.name}' has not shown it",
                         where="--version", fix=f"read it first (`assistant show {item_id}`, signed in as "
                         f"{user.name}), or pass --version N")
    return seen


def submit(item_id: int = ITEM, comment: str | None = COMMENT, as_: str | None = AS) -> None:
    """Send a draft (or changed copy) to review."""
    svc = services()
    _done(svc.workflow.submit(item_id, sign_in(svc, as_), comment=comment), "submitted")


def approve(
    item_id: int = ITEM, comment: str | None = COMMENT,
    override_reason: str | None = typer.Option(None, "--override-reason",
                                               help="approve despite error findings; the reason is recorded"),
    version: int | None = VERSION, as_: str | None = AS,
) -> None:
    """Approve the version you reviewed (reviewer or admin; never your own copy)."""
    svc = services()
    user = sign_in(svc, as_)
    item = svc.workflow.approve(item_id, user, comment=comment, override_reason=override_reason,
                                expected_version=_reviewed(svc, item_id, user, version, "approve"))
    _done(item, "approved")


def reject(item_id: int = ITEM, comment: str | None = COMMENT, version: int | None = VERSION,
           as_: str | None = AS) -> None:
    """Reject the version you reviewed for good (a comment is required)."""
    svc = services()
    user = sign_in(svc, as_)
    _done(svc.workflow.reject(item_id, user, comment=comment or "",
                              expected_version=_reviewed(svc, item_id, user, version, "reject")), "rejected")


def request_changes(item_id: int = ITEM, comment: str | None = COMMENT, version: int | None = VERSION,
                    as_: str | None = AS) -> None:
    """Send the version you reviewed back to the writer (a comment is required)."""
    svc = services()
    user = sign_in(svc, as_)
    item = svc.workflow.request_changes(item_id, user, comment=comment or "",
                                        expected_version=_reviewed(svc, item_id, user, version, "request_changes"))
    _done(item, "sent back")


def edit(
    item_id: int = ITEM,
    file: Path | None = typer.Option(None, "--file", "-f", help="YAML (or JSON) with the new fields; default: $EDITOR"),
    comment: str | None = COMMENT, as_: str | None = AS,
) -> None:
    """Edit the copy: a new version, checked again. Approved copy goes back to review."""
    svc = services()
    user = sign_in(svc, as_)
    item = svc.workflow.get(item_id)
    if file is not None:
        if not file.exists():
            raise InputError("file not found", where=str(file))
        text, where = file.read_text(encoding="utf-8"), str(file)
    else:
        text, where = _in_editor(to_editable(item.current.fields, id=item.id, version=item.version, kind=item.kind,
                                             lang=item.lang, market=item.market, status=item.status)), "edited text"
    item = svc.workflow.edit(item_id, user, parse_edited(text, where), base_version=item.version, comment=comment)
    _done(item, "edited")
    print_report(item.current.report)


def _in_editor(text: str) -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    try:
        result = subprocess.run([*shlex.split(editor), handle.name], check=False)
        if result.returncode != 0:
            raise InputError(f"the editor '{editor}' exited with {result.returncode}; nothing saved",
                             fix="set $EDITOR, or use --file")
        return Path(handle.name).read_text(encoding="utf-8")
    finally:
        Path(handle.name).unlink(missing_ok=True)


def comment(item_id: int = ITEM, text: str = typer.Argument(..., help="the comment"), as_: str | None = AS) -> None:
    """Comment on an item (recorded with the current version)."""
    svc = services()
    svc.workflow.comment(item_id, sign_in(svc, as_), text)
    typer.echo(f"comment added to item {item_id}")


COMMANDS = {"queue": queue, "show": show, "submit": submit, "approve": approve, "reject": reject,
            "request-changes": request_changes, "edit": edit, "comment": comment}
