"""States, transitions, roles, the override reason, edit after approval, audit completeness.
Every test runs against SQLite and PostgreSQL (``db_url``)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.export import Selection

from assistant.errors import InputError
from assistant.storage.db import read_session
from assistant.storage.tables import AuditRow, CommentRow, DecisionRow, ItemRow, UserRow, VersionRow
from assistant.users import PermissionDenied
from assistant.workflow import STATUSES, BlockedError, ConflictError, TransitionError
from tests.workflow_fixtures import PASSWORD, add_users, listing_fields, new_item, seen

ROLES = [("admin", "admin"), ("wendy", "writer"), ("rita", "reviewer"), ("rob", "reviewer")]


@pytest.fixture
def team(wf):
    return add_users(wf, *ROLES)


def to_state(wf, team, state: str) -> int:
    """A fresh item driven to ``state`` by the rules themselves."""
    item = new_item(wf)
    w, r = team["wendy"], team["rita"]
    if state == "draft":
        return item
    wf.workflow.submit(item, w)
    if state in ("approved", "exported"):
        wf.workflow.approve(item, r, expected_version=seen(wf, item))
    elif state == "rejected":
        wf.workflow.reject(item, r, expected_version=seen(wf, item), comment="off-brand")
    elif state == "changes_requested":
        wf.workflow.request_changes(item, r, expected_version=seen(wf, item), comment="shorter title")
    if state == "exported":
        with tempfile.TemporaryDirectory() as out:
            wf.exports.export("jsonl", Path(out), actor=r, selection=Selection(ids=[item]))
    assert wf.workflow.get(item).status == state
    return item


ALLOWED = {  # (state, action) -> resulting state
    ("draft", "submit"): "in_review", ("changes_requested", "submit"): "in_review",
    ("in_review", "approve"): "approved", ("in_review", "reject"): "rejected",
    ("in_review", "request_changes"): "changes_requested",
}


def act(wf, team, item: int, action: str, user: str = "rita"):
    u = team[user]
    return {
        "submit": lambda: wf.workflow.submit(item, u),
        "approve": lambda: wf.workflow.approve(item, u, expected_version=seen(wf, item)),
        "reject": lambda: wf.workflow.reject(item, u, expected_version=seen(wf, item), comment="no"),
        "request_changes": lambda: wf.workflow.request_changes(item, u, expected_version=seen(wf, item),
                                                               comment="please fix"),
    }[action]()


@pytest.mark.parametrize("state", STATUSES)
@pytest.mark.parametrize("action", ["submit", "approve", "reject", "request_changes"])
def test_every_transition_allowed_or_refused(wf, team, state, action):
    item = to_state(wf, team, state)
    expected = ALLOWED.get((state, action))
    if expected is None:
        with pytest.raises(TransitionError, match=f"is {state}"):
            act(wf, team, item, action)
        assert wf.workflow.get(item).status == state
    else:
        assert act(wf, team, item, action).status == expected


@pytest.mark.parametrize("action, role_ok", [("approve", {"reviewer", "admin"}), ("reject", {"reviewer", "admin"}),
                                             ("request_changes", {"reviewer", "admin"}),
                                             ("submit", {"writer", "reviewer", "admin"})])
@pytest.mark.parametrize("user", ["wendy", "rob", "admin"])
def test_roles(wf, team, action, role_ok, user):
    item = to_state(wf, team, "draft" if action == "submit" else "in_review")
    if team[user].role in role_ok:
        act(wf, team, item, action, user=user)
    else:
        with pytest.raises(PermissionDenied, match=f"a {team[user].role} may not"):
            act(wf, team, item, action, user=user)


def test_writer_cannot_approve_own_content_even_as_reviewer(wf, team):
    item = to_state(wf, team, "in_review")
    wf.workflow.edit(item, team["rita"], listing_fields(title="Rita's better title"), base_version=1)
    with pytest.raises(PermissionDenied, match="'rita' wrote or edited item"):
        wf.workflow.approve(item, team["rita"], expected_version=seen(wf, item))
    assert wf.workflow.approve(item, team["rob"], expected_version=seen(wf, item)).status == "approved"


def test_generated_by_a_named_user_is_theirs(wf, team):
    from tests.workflow_fixtures import make_draft

    svc = wf
    item = svc.workflow.item_for_draft(svc.drafts.save(make_draft(), team["rita"]).id)  # rita signed in
    assert svc.workflow.get(item).created_by == "rita"
    svc.workflow.submit(item, team["wendy"])
    with pytest.raises(PermissionDenied):
        svc.workflow.approve(item, team["rita"], expected_version=seen(svc, item))


def test_disabled_user_is_refused(wf, team):
    item = to_state(wf, team, "in_review")
    wf.users.set_active("rita", False, actor=team["admin"])
    with pytest.raises(PermissionDenied, match="disabled"):
        wf.workflow.approve(item, team["rita"], expected_version=seen(wf, item))


def test_error_findings_block_approval_unless_overridden_with_a_reason(wf, team):
    item = new_item(wf, listing_fields(title="The best bamboo board"))
    wf.workflow.submit(item, team["wendy"])
    with pytest.raises(BlockedError, match=r"1 error finding\(s\) \(stub.best\)") as err:
        wf.workflow.approve(item, team["rita"], expected_version=seen(wf, item))
    assert "--override-reason" in err.value.fix
    with pytest.raises(BlockedError):
        wf.workflow.approve(item, team["rita"], expected_version=1, override_reason="ok")  # too short for a reason
    reason = "Claim substantiated by the 2024 lab test, file QA-17"
    view = wf.workflow.approve(item, team["rita"], expected_version=1, override_reason=reason, comment="fine")
    assert view.status == "approved"
    assert view.decisions[-1].override_reason == reason and view.decisions[-1].reviewer == "rita"
    assert wf.workflow.history(item)[-1].after["override_reason"] == reason


def test_comment_required_for_reject_and_request_changes(wf, team):
    item = to_state(wf, team, "in_review")
    for call in (wf.workflow.reject, wf.workflow.request_changes):
        with pytest.raises(InputError, match="needs a comment"):
            call(item, team["rita"], comment="  ", expected_version=1)
    assert wf.workflow.get(item).status == "in_review"


@pytest.mark.parametrize("state, after", [("draft", "draft"), ("in_review", "in_review"),
                                          ("changes_requested", "changes_requested"), ("approved", "in_review"),
                                          ("exported", "in_review")])
def test_edit_makes_a_new_version_and_approved_copy_goes_back_to_review(wf, team, state, after):
    item = to_state(wf, team, state)
    view = wf.workflow.edit(item, team["wendy"], listing_fields(title="A cheap new title"), base_version=1)
    assert (view.status, view.version, len(view.versions)) == (after, 2, 2)
    assert view.current.source == "edit" and view.current.author == "wendy"
    assert [f.rule_id for f in view.current.report.findings] == ["stub.cheap"]  # checked again
    assert view.versions[0].fields["title"] == listing_fields()["title"]  # old version kept


def test_rejected_items_cannot_be_edited(wf, team):
    item = to_state(wf, team, "rejected")
    with pytest.raises(TransitionError, match="cannot be edited"):
        wf.workflow.edit(item, team["wendy"], listing_fields(title="x"), base_version=1)


@pytest.mark.parametrize("fields, message", [
    (listing_fields(extra="x"), "unknown: extra"),
    ({k: v for k, v in listing_fields().items() if k != "title"}, "missing: title"),
    (listing_fields(bullets="not a list"), "'bullets' must be a list"),
    (listing_fields(title=["a"]), "'title' must be a text"),
    (listing_fields(), "nothing changed"),
])
def test_bad_edits(wf, team, fields, message):
    item = to_state(wf, team, "draft")
    with pytest.raises(InputError, match=message):
        wf.workflow.edit(item, team["wendy"], fields, base_version=1)


def test_stale_edit_and_stale_approval_conflict(wf, team):
    item = to_state(wf, team, "in_review")
    wf.workflow.edit(item, team["wendy"], listing_fields(title="Second"), base_version=1)
    with pytest.raises(ConflictError, match="you looked at version 1, it is now at version 2"):
        wf.workflow.edit(item, team["admin"], listing_fields(title="Lost?"), base_version=1)
    with pytest.raises(ConflictError):
        wf.workflow.approve(item, team["rita"], expected_version=1)
    assert wf.workflow.approve(item, team["rita"], expected_version=2).decisions[-1].version == 2


def test_revision_from_the_generator_is_a_new_version(wf, team):
    from tests.workflow_fixtures import make_draft

    first = wf.drafts.save(make_draft(), team["wendy"])
    item = wf.workflow.item_for_draft(first.id)
    second = wf.drafts.save(make_draft(listing_fields(title="Revised"), revision_of=first.id), team["wendy"])
    view = wf.workflow.get(item)
    assert wf.workflow.item_for_draft(second.id) == item
    assert (view.version, view.current.source, view.current.fields["title"]) == (2, "revision", "Revised")


def test_failed_drafts_make_no_item(wf):
    from tests.workflow_fixtures import make_draft

    draft = make_draft({}).model_copy(update={"status": "failed", "error": "bad json"})
    assert wf.workflow.item_for_draft(wf.drafts.save(draft).id) is None


def test_queue_filters(wf, team):
    a = new_item(wf, listing_fields(title="The best board"))
    b = new_item(wf, lang="de", market="DE")
    wf.workflow.submit(b, team["wendy"])
    assert [i.id for i in wf.workflow.queue(status="in_review")] == [b]
    assert [i.id for i in wf.workflow.queue(lang="de")] == [b]
    assert [i.id for i in wf.workflow.queue(severity="error")] == [a]
    assert [i.id for i in wf.workflow.queue(brand="bambuu")] == [a, b]
    assert wf.workflow.queue(brand="other") == []
    with pytest.raises(InputError, match="unknown status"):
        wf.workflow.queue(status="published")


def test_every_change_has_an_audit_entry(wf, team):
    item = new_item(wf)
    w, r = team["wendy"], team["rita"]
    wf.workflow.submit(item, w, comment="ready")
    wf.workflow.request_changes(item, r, expected_version=seen(wf, item), comment="shorter")
    wf.workflow.edit(item, w, listing_fields(title="Shorter"), base_version=1, comment="done")
    wf.workflow.submit(item, w)
    wf.workflow.comment(item, r, "looks good now")
    wf.workflow.approve(item, r, expected_version=seen(wf, item))
    wf.workflow.edit(item, w, listing_fields(title="Shorter still"), base_version=2)
    wf.users.set_password("wendy", "another password", actor=w)
    with read_session(wf.engine) as s:
        entries = list(s.scalars(select(AuditRow).order_by(AuditRow.id)))
        actions = [e.action for e in entries if e.entity == "item"]
        assert actions == ["item.create", "item.submit", "item.request_changes", "item.edit", "item.submit",
                           "item.comment", "item.approve", "item.edit"]
        count = lambda model: s.scalar(select(func.count()).select_from(model))  # noqa: E731
        # every row that records a change has its audit entry
        assert count(VersionRow) == actions.count("item.create") + actions.count("item.edit")
        assert count(DecisionRow) == actions.count("item.request_changes") + actions.count("item.approve")
        assert count(CommentRow) == 3  # with the submit, with the edit, and the comment itself
        assert count(UserRow) == len([e for e in entries if e.action == "user.add"])
        assert [e.action for e in entries if e.entity == "user"][-1] == "user.passwd"
        for e in entries:
            assert e.at is not None and e.actor and (e.before is not None or e.after is not None)
        edit = [e for e in entries if e.action == "item.edit"][-1]
        assert edit.before["status"] == "approved" and edit.after["status"] == "in_review"
        assert edit.before["fields"]["title"] == "Shorter" and edit.after["fields"]["title"] == "Shorter still"
        # neither a password nor its stored hash is ever written to the audit log
        logged = json.dumps([[e.before, e.after] for e in entries], ensure_ascii=False)
        for secret in (PASSWORD, "another password", *s.scalars(select(UserRow.password_hash))):
            assert secret not in logged
        assert "password_hash" not in logged
        assert s.scalar(select(ItemRow.status)) == "in_review"


def test_show_diff_between_versions(wf, team):
    from assistant.workflow.diff import diff_versions

    item = new_item(wf)
    view = wf.workflow.edit(item, team["wendy"], listing_fields(title="New title"), base_version=1)
    diff = diff_versions(view.versions[0].fields, view.current.fields, "v1", "v2")
    assert "-title: Bambuu Bamboo Cutting Board with Juice Groove" in diff and "+title: New title" in diff


def test_real_checker_findings_block_approval_until_overridden(db_url):
    """The real checker, not the stub: its error finding is recorded on the version and blocks approval
    until a reviewer gives an override reason; an edit is checked again by it, in both directions."""
    from assistant.services import build_services
    from assistant.settings import load_settings

    svc = build_services(load_settings(provider="fake", database_url=db_url))
    team = add_users(svc, *ROLES)
    w, r = team["wendy"], team["rita"]
    fields = listing_fields(title="The best bamboo cutting board")
    item = new_item(svc, fields, report=svc.checker.check_fields(fields, lang="en", market="US", channel="listing"))
    view = svc.workflow.get(item)
    [error] = [f for f in view.current.report.findings if f.severity == "error"]
    assert error.field == "title" and "best" in error.matched.lower()
    svc.workflow.submit(item, w)
    for reason in (None, "ok"):
        with pytest.raises(BlockedError, match=error.rule_id):
            svc.workflow.approve(item, r, override_reason=reason, expected_version=1)
    assert svc.workflow.get(item).status == "in_review"
    reason = "legal checked the claim, ticket LEG-42"
    view = svc.workflow.approve(item, r, override_reason=reason, expected_version=1)
    assert view.status == "approved" and view.decisions[-1].override_reason == reason

    # an edit that removes the claim is checked again and needs no override; one that adds it does
    fixed = new_item(svc, fields, report=svc.checker.check_fields(fields, lang="en", market="US", channel="listing"),
                     sku="BB-2002")
    view = svc.workflow.edit(fixed, w, listing_fields(title="Bamboo cutting board with juice groove"), base_version=1)
    assert not [f for f in view.current.report.findings if f.severity == "error"]
    svc.workflow.submit(fixed, w)
    assert svc.workflow.approve(fixed, r, expected_version=2).status == "approved"
    clean = new_item(svc, sku="BB-3003", report=svc.checker.check_fields(listing_fields(), lang="en", market="US",
                                                                         channel="listing"))
    svc.workflow.edit(clean, w, listing_fields(title="The best board you will ever own"), base_version=1)
    svc.workflow.submit(clean, w)
    with pytest.raises(BlockedError, match="superlative"):
        svc.workflow.approve(clean, r, expected_version=2)
