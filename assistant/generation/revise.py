"""The revise loop: while the checker reports errors, a reviser chain (``prompts/revise.yaml``)
rewrites the draft with the findings as feedback, up to a set number of rounds; each round is
re-checked and stored (``Draft.round``, ``Draft.revision_of``)."""

from __future__ import annotations

import json
from typing import Callable

from assistant.compliance.models import CheckReport
from assistant.generation.brief import Request
from assistant.generation.models import Draft
from assistant.generation.pipeline import Call, Drafter

MAX_FEEDBACK = 12


def feedback(report: CheckReport) -> str:
    """The error findings as numbered instructions for the reviser."""
    lines = []
    errors = [f for f in report.findings if f.severity == "error"]
    for i, f in enumerate(errors[:MAX_FEEDBACK], 1):
        where = f" in {f.field}" if f.field else ""
        text = f' ("{f.matched}")' if f.matched else ""
        fix = f" Fix: {f.suggestion}" if f.suggestion else ""
        lines.append(f"{i}. {f.message}{where}{text}.{fix}")
    return "\n".join(lines) or "(none)"


def revise_loop(drafter: Drafter, req: Request, first: Draft, variables: dict[str, str], rounds: int,
                save: Callable[[Draft], Draft]) -> list[Draft]:
    """Every stored round, first draft first. Stops when a round has no error findings, when the
    round limit is reached, or when the reviser's reply does not fit the schema."""
    chain = [first]
    current = first
    while current.status == "ok" and current.report.has_errors and current.round < rounds:
        draft_json = json.dumps(current.fields, ensure_ascii=False, indent=1)
        call = Call("revise", {**variables, "draft": draft_json, "feedback": feedback(current.report)},
                    round=current.round + 1, revision_of=current.id)
        current = save(drafter.draft(req, call, current.guideline_ids))
        chain.append(current)
    return chain


def final(chain: list[Draft]) -> Draft:
    """The last round that parsed (a reviser reply that failed the schema is stored, not shown)."""
    return next(d for d in reversed(chain) if d.status == "ok") if any(d.status == "ok" for d in chain) else chain[-1]
