"""The states and the transitions between them, as data. Every transition is audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from assistant.errors import AssistantError, ExitCode

Status = Literal["draft", "in_review", "approved", "changes_requested", "rejected", "exported"]
STATUSES: tuple[str, ...] = get_args(Status)
APPROVED = ("approved", "exported")


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    permission: str
    needs_comment: bool = False


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("submit", frozenset({"draft", "changes_requested"}), "in_review", "submit"),
    Transition("approve", frozenset({"in_review"}), "approved", "approve"),
    Transition("reject", frozenset({"in_review"}), "rejected", "reject", needs_comment=True),
    Transition("request_changes", frozenset({"in_review"}), "changes_requested", "request_changes",
               needs_comment=True),
    Transition("export", frozenset({"approved"}), "exported", "export"),
)}

# An edit makes a new version. From these states it is allowed, and the item moves to the value:
# approved or exported copy that changes must be reviewed again.
AFTER_EDIT: dict[str, str] = {
    "draft": "draft",
    "changes_requested": "changes_requested",
    "in_review": "in_review",
    "approved": "in_review",
    "exported": "in_review",
}

MIN_OVERRIDE_REASON = 15


class TransitionError(AssistantError):
    """The item is not in a state that allows this."""

    exit_code = ExitCode.REFUSED


class BlockedError(AssistantError):
    """Error-severity findings block approval (unless overridden with a written reason)."""

    exit_code = ExitCode.REFUSED


class ConflictError(AssistantError):
    """Someone changed the item since you looked at it."""

    exit_code = ExitCode.CONFLICT


def next_actions(status: str) -> list[str]:
    actions = [t.action for t in TRANSITIONS.values() if status in t.sources and t.action != "export"]
    if status in AFTER_EDIT:
        actions.append("edit")
    return actions
