"""Hard length limits enforced after generation.

A field over its limit goes back to the model once, with the limit stated (``shorten``); whatever is
still too long is trimmed at a sentence, clause or word boundary. Lists over ``max_items`` lose
their last items; a list measured joined (Amazon search terms, in bytes) loses items from the end.
Soft limits (recommendations) are left to the checker, which reports them as warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from assistant.channels import FieldLimit, measure, trim_to_limit

# the notes enforce_limits leaves in a draft's fixes; the generation eval counts drafts by them
KEPT, DROPPED, TRIMMED = "kept the first", "items dropped to fit", "trimmed at a boundary"
SHORTENED = "shortened by the model"


@dataclass
class Over:
    """One over-long text: ``field`` plus ``index`` for list items."""

    field: str
    index: int | None
    text: str
    limit: FieldLimit

    @property
    def label(self) -> str:
        return self.field if self.index is None else f"{self.field}[{self.index}]"

    @property
    def length(self) -> int:
        return measure(self.text, self.limit.count)


def over_limits(fields: dict[str, Any], limits: dict[str, FieldLimit]) -> list[Over]:
    """Every string (or list item) longer than its hard limit; joined lists are handled apart."""
    out = []
    for name, limit in limits.items():
        value = fields.get(name)
        if limit.soft or not limit.max or limit.joined or value is None:
            continue
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        out += [Over(name, i, t, limit) for i, t in items if isinstance(t, str) and measure(t, limit.count) > limit.max]
    return out


def cap_items(fields: dict[str, Any], limits: dict[str, FieldLimit]) -> list[str]:
    """Drop list items beyond ``max_items`` (or ``recommended_items``) and joined lists over their
    limit. Changes ``fields`` in place; returns what was changed."""
    fixes = []
    for name, limit in limits.items():
        value = fields.get(name)
        if not isinstance(value, list):
            continue
        cap = min(filter(None, [limit.max_items, limit.recommended_items]), default=None)
        if cap is not None and len(value) > cap:
            fields[name] = value[:cap]
            fixes.append(f"{name}: {KEPT} {cap} of {len(value)} items (limit {cap})")
        if limit.joined and limit.max and not limit.soft:
            kept = list(fields[name])
            while len(kept) > 1 and measure(limit.joined.join(kept), limit.count) > limit.max:
                kept.pop()
            if len(kept) == 1:
                kept[0] = trim_to_limit(kept[0], limit.max, limit.count)
            if kept != fields[name]:
                fixes.append(f"{name}: {len(fields[name]) - len(kept)} {DROPPED} "
                             f"{limit.max} {limit.count} in total")
                fields[name] = kept
    return fixes


Shortener = Callable[[list[Over]], dict[str, str] | None]


def enforce_limits(fields: dict[str, Any], limits: dict[str, FieldLimit], shorten: Shortener | None = None) -> list[str]:
    """Bring every hard limit into line: cap lists, ask the model once, then trim. In place."""
    fixes = cap_items(fields, limits)
    overs = over_limits(fields, limits)
    if overs and shorten is not None:
        rewritten = shorten(overs) or {}
        for over in overs:
            new = (rewritten.get(over.label) or "").strip()
            if new and measure(new, over.limit.count) < over.length:
                _put(fields, over, new)
                fixes.append(f"{over.label}: {SHORTENED} from {over.length} to "
                             f"{measure(new, over.limit.count)} {over.limit.count} (limit {over.limit.max})")
    for over in over_limits(fields, limits):
        trimmed = trim_to_limit(over.text, over.limit.max, over.limit.count)
        _put(fields, over, trimmed)
        fixes.append(f"{over.label}: {TRIMMED} from {over.length} to "
                     f"{measure(trimmed, over.limit.count)} {over.limit.count} (limit {over.limit.max})")
    return fixes


def _put(fields: dict[str, Any], over: Over, text: str) -> None:
    if over.index is None:
        fields[over.field] = text
    else:
        fields[over.field][over.index] = text


def hard_limit_violations(fields: dict[str, Any], limits: dict[str, FieldLimit]) -> list[str]:
    """Labels of every hard limit still broken (for evals and tests)."""
    out = [o.label for o in over_limits(fields, limits)]
    for name, limit in limits.items():
        value = fields.get(name)
        if not isinstance(value, list) or limit.soft:
            continue
        if limit.max_items and len(value) > limit.max_items:
            out.append(f"{name} (items)")
        if limit.joined and limit.max and measure(limit.joined.join(value), limit.count) > limit.max:
            out.append(f"{name} (joined)")
    return out


def cut_by_code(fixes: list[str]) -> bool:
    """Whether ``enforce_limits`` cut text or dropped list items (read from a draft's fixes)."""
    return any(note in fix for fix in fixes for note in (KEPT, DROPPED, TRIMMED))


def shortened_by_model(fixes: list[str]) -> bool:
    """Whether the one shortening call to the model rewrote a text (read from a draft's fixes)."""
    return any(SHORTENED in fix for fix in fixes)
