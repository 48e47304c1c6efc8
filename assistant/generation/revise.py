"""The revise loop: while the checker reports errors, a reviser chain (``prompts/revise.yaml``)
rewrites the draft with the findings as feedback, up to a set number of rounds; each round is
re-checked and stored (``Draft.round``, ``Draft.revision_of``). A base model (the offline provider), which
cannot follow feedback, is given the fields no error finding names as they are and rewrites the others
with the kind's few-shot prompt in the draft's language (``Call.keep``), without the words it left
untranslated (``Call.ban``)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Callable

from assistant.compliance.field_language import kept_names, untranslated_words
from assistant.compliance.models import CheckReport
from assistant.generation.brief import Request
from assistant.generation.models import Draft, Usage
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


def flagged(report: CheckReport) -> str:
    """The flagged phrases of the error findings (for a base model, which cannot follow feedback)."""
    phrases = dict.fromkeys(f.matched for f in report.findings if f.severity == "error" and f.matched)
    return ", ".join(list(phrases)[:MAX_FEEDBACK])


def kept_fields(draft: Draft) -> dict[str, Any]:
    """The fields of ``draft`` no error finding names (a list field is named by any of its items:
    ``bullets[2]``). Empty when an error concerns the whole draft (no field): then all are rewritten."""
    errors = [f for f in draft.report.findings if f.severity == "error"]
    if any(f.field is None for f in errors):
        return {}
    flagged = {re.split(r"[\[.]", f.field or "", maxsplit=1)[0] for f in errors}
    return {k: v for k, v in draft.fields.items() if k not in flagged}


def revise_loop(drafter: Drafter, req: Request, first: Draft, variables: dict[str, str], rounds: int,
                save: Callable[[Draft], Draft]) -> list[Draft]:
    """Every stored round, first draft first. Stops when a round has no error findings, when the
    round limit is reached, or when the reviser's reply does not fit the schema."""
    chain = [first]
    current = first
    while current.status == "ok" and current.report.has_errors and current.round < rounds:
        draft_json = json.dumps(current.fields, ensure_ascii=False, indent=1)
        call = Call("revise", {**variables, "draft": draft_json, "feedback": feedback(current.report),
                               "avoid": flagged(current.report)},
                    round=current.round + 1, revision_of=current.id, keep=kept_fields(current),
                    ban=untranslated_words(current.report.findings, kept_names(req.brand, req.language.code)))
        current = save(drafter.draft(req, call, current.guideline_ids))
        chain.append(current)
    best = final(chain)
    if best is not chain[-1]:  # the reviser made it worse (or failed): the best round becomes current again
        chain.append(save(restored(best, chain[-1])))
    return chain


def _rank(draft: Draft) -> tuple[int, int, int]:
    return (draft.report.counts()["error"], -draft.report.score, -draft.round)


def final(chain: list[Draft]) -> Draft:
    """The best round that parsed: fewest error findings, then the best score, then the latest.
    A weak model's revision can be worse than what it revised; it is stored, not chosen."""
    ok = [d for d in chain if d.status == "ok"]
    return min(ok, key=_rank) if ok else chain[-1]


def restored(best: Draft, last: Draft) -> Draft:
    """A new round that brings back ``best`` after worse revisions, so the newest stored round (the
    version reviewers see) is the best one. No model call: no tokens."""
    note = (f"round {best.round} restored: later revisions had more error findings"
            if last.status == "ok" else f"round {best.round} restored: the reviser's reply did not fit the schema")
    return best.model_copy(update={
        "id": None, "round": last.round + 1, "revision_of": last.id, "usage": Usage(),
        "fixes": [*best.fixes, note], "created_at": datetime.now(timezone.utc),
    })
