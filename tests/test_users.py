"""Users, roles, argon2id hashes, signing in; the users and review commands of the CLI."""

from __future__ import annotations

import io
import re
import sys

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from assistant.errors import InputError
from assistant.storage.db import read_session
from assistant.storage.tables import AuditRow, UserRow
from assistant.users import AuthError, PermissionDenied
from tests.helpers import run_cli
from tests.workflow_fixtures import PASSWORD, add_users, listing_fields, new_item


def test_the_real_hasher_is_argon2id_with_a_slow_profile():
    from assistant.users.service import hasher

    # the autouse fixture makes hashing cheap for the suite; the shipped one must not be
    assert hasher().hash("x").startswith("$argon2id$v=19$m=") and "argon2id" in PasswordHasher().hash("x")
    shipped = PasswordHasher()
    assert shipped.time_cost >= 2 and shipped.memory_cost >= 19 * 1024


def test_first_user_must_be_admin_then_only_admins_add(wf):
    with pytest.raises(PermissionDenied, match="first user must be an admin"):
        wf.users.add("wendy", "writer", PASSWORD, actor=None)
    team = add_users(wf, ("admin", "admin"), ("wendy", "writer"))
    with pytest.raises(AuthError, match="only an admin"):
        wf.users.add("x", "writer", PASSWORD, actor=None)
    with pytest.raises(PermissionDenied, match="'wendy' is a writer"):
        wf.users.add("x", "writer", PASSWORD, actor=team["wendy"])
    with read_session(wf.engine) as s:
        stored = s.scalar(select(UserRow.password_hash).where(UserRow.name == "wendy"))
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert all(PASSWORD not in str(e.after) and "$argon2" not in str(e.after) for e in s.scalars(select(AuditRow)))


@pytest.mark.parametrize("name, role, password, message", [
    ("Bad Name", "writer", PASSWORD, "invalid user name"),
    ("ok", "boss", PASSWORD, "unknown role 'boss'"),
    ("ok", "writer", "short", "password too short"),
    ("admin", "writer", PASSWORD, "already exists"),
])
def test_add_rejects_bad_input(wf, name, role, password, message):
    team = add_users(wf, ("admin", "admin"))
    with pytest.raises(InputError, match=message):
        wf.users.add(name, role, password, actor=team["admin"])


def test_authenticate_disable_enable_passwd(wf):
    team = add_users(wf, ("admin", "admin"), ("wendy", "writer"))
    assert wf.users.authenticate("wendy", PASSWORD).role == "writer"
    for name, password in (("wendy", "wrong password"), ("nobody", PASSWORD)):
        with pytest.raises(AuthError, match="unknown user, wrong password or disabled"):
            wf.users.authenticate(name, password)
    wf.users.set_active("wendy", False, actor=team["admin"])
    with pytest.raises(AuthError):
        wf.users.authenticate("wendy", PASSWORD)
    wf.users.set_active("wendy", True, actor=team["admin"])
    wf.users.set_password("wendy", "new password 1", actor=team["wendy"])  # own password
    assert wf.users.authenticate("wendy", "new password 1")
    with pytest.raises(PermissionDenied):
        wf.users.set_password("admin", "new password 2", actor=team["wendy"])
    with pytest.raises(PermissionDenied, match="last active admin"):
        wf.users.set_active("admin", False, actor=team["admin"])
    assert [u.name for u in wf.users.list()] == ["admin", "wendy"]


def run(capsys, monkeypatch, *argv, stdin: str | None = None, user: str | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    if user:
        monkeypatch.setenv("ASSISTANT_USER", user)
        monkeypatch.setenv("ASSISTANT_PASSWORD", PASSWORD)
    return run_cli(capsys, *argv)


def test_users_cli(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "users", "add", "ada", "--role", "admin", "--password-stdin",
                       stdin=PASSWORD + "\n")
    assert code == 0 and "added admin 'ada'" in out
    code, _, err = run(capsys, monkeypatch, "users", "add", "bob", "--role", "writer", "--password-stdin",
                       stdin=PASSWORD + "\n")
    assert code == 4 and "acts as a named user" in err and "ASSISTANT_USER" in err
    code, out, _ = run(capsys, monkeypatch, "users", "add", "bob", "--role", "writer", "--password-stdin",
                       stdin=PASSWORD + "\n", user="ada")
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, "users", "disable", "bob")
    assert code == 0 and "disabled 'bob'" in out
    code, out, _ = run(capsys, monkeypatch, "users", "list")
    assert "bob" in out and "disabled" in out
    monkeypatch.setenv("ASSISTANT_PASSWORD", "wrong password")
    code, _, err = run(capsys, monkeypatch, "users", "enable", "bob")
    assert code == 4 and "cannot sign in as 'ada'" in err and "Traceback" not in err


def test_review_cli_round_trip(capsys, monkeypatch, tmp_path):
    from assistant.cli.common import services
    from tests.workflow_fixtures import StubChecker

    svc = services()
    team = add_users(svc, ("ada", "admin"), ("wendy", "writer"), ("rita", "reviewer"))
    monkeypatch.setattr("assistant.services.Services.checker", StubChecker(), raising=False)
    item = new_item(svc, listing_fields(title="The best board"))
    clean = new_item(svc, sku="BB-2002")  # in review too, without error findings
    other = new_item(svc, listing_fields(title="Our best board yet"), sku="BB-3003")  # errors, still a draft
    for submitted in (item, clean):
        code, out, _ = run(capsys, monkeypatch, "submit", str(submitted), "--as", "wendy", user="wendy")
        assert code == 0 and "now in_review" in out
    code, out, _ = run(capsys, monkeypatch, "queue", "--status", "in_review", "--severity", "error")
    assert [(row["id"], row["status"], row["errors"]) for row in table_rows(out)] == [(str(item), "in_review", "1")]
    code, out, _ = run(capsys, monkeypatch, "queue", "--severity", "error")
    assert sorted(row["id"] for row in table_rows(out)) == sorted([str(item), str(other)])
    code, out, _ = run(capsys, monkeypatch, "show", str(item), "--as", "rita")  # rita reads version 1
    assert code == 0 and "rita saw version 1" in out
    code, _, err = run(capsys, monkeypatch, "approve", str(item), "--as", "rita")
    assert code == 4 and "--override-reason" in err
    edit = tmp_path / "edit.yaml"
    edit.write_text("\n".join(f"{k}: {v!r}" for k, v in listing_fields(title="A sturdy board").items()),
                    encoding="utf-8")  # YAML
    code, out, err = run(capsys, monkeypatch, "edit", str(item), "--file", str(edit), "--as", "wendy")
    assert code == 0, err
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c \"import sys,pathlib; p=pathlib.Path(sys.argv[1]); "
                       "p.write_text(p.read_text().replace('A sturdy board', 'A sturdier board'))\"")
    code, out, err = run(capsys, monkeypatch, "edit", str(item), "--as", "wendy")
    assert code == 0 and "version 3" in out, err
    code, out, _ = run(capsys, monkeypatch, "approve", str(item), "--as", "rita", "--comment", "good", "--version", "3")
    assert code == 0 and "now approved" in out
    code, out, _ = run(capsys, monkeypatch, "show", str(item), "--history")
    assert "-title: A sturdy board" in out and "+title: A sturdier board" in out
    assert "approved v3 by rita: good" in out and "item.approve" in out
    code, _, err = run(capsys, monkeypatch, "reject", str(item), "--as", "rita", "--comment", "x")
    assert code == 4 and "is approved" in err
    code, out, _ = run(capsys, monkeypatch, "export", "--format", "shopify", "--out", str(tmp_path), "--as", "rita")
    assert code == 0 and "marked exported" in out and (tmp_path / "shopify_products.csv").exists()
    assert svc.workflow.get(item).status == "exported" and svc.workflow.get(clean).status == "in_review"
    assert [(e.actor, e.action) for e in svc.workflow.history(item)][-1] == ("rita", "item.export")
    code, _, err = run(capsys, monkeypatch, "approve", str(clean), "--as", "wendy")
    assert code == 4 and "a writer may not approve" in err and svc.workflow.get(clean).status == "in_review"
    assert team["wendy"].role == "writer"


def table_rows(out: str) -> list[dict[str, str]]:
    """The rows of a table printed by the CLI, as {column: cell} (a cell folded over lines is joined)."""
    lines = [[cell.strip() for cell in re.split("[│┃]", line.strip()[1:-1])] for line in out.splitlines()
             if line.strip()[:1] in ("│", "┃")]
    header, rows = lines[0], []
    for cells in lines[1:]:
        if cells[0]:
            rows.append(dict(zip(header, cells)))
        else:  # continuation of a folded row
            rows[-1] = {k: (v + " " + c).strip() for (k, v), c in zip(rows[-1].items(), cells)}
    return rows
