"""Conditions of ``required`` and ``conditional`` rules: terms and patterns to look for, and the
scope search of a conditional rule (is the required text in the trigger's sentence, field or
document, the trigger itself not counting?) in time proportional to the text, whatever the number
of triggers."""

from __future__ import annotations

import re
import re._parser as sre_parse
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from assistant.compliance.linear import MAX_WIDTH
from assistant.compliance.prefilter import is_local
from assistant.compliance.rulemodels import Condition, RuleBase
from assistant.compliance.spans import SpanIndex

if TYPE_CHECKING:
    from assistant.compliance.checks import Context

SENTENCE_END = re.compile(r"[.!?。！？;；\n]+")
MARGIN = 8  # characters next to a trigger a lookaround or word boundary can read
CONTEXT = 32  # characters of real text kept before a window, read by lookbehinds only


class ConditionMatcher:
    """Finds a condition's terms (one automaton, same boundaries as term rules) and patterns."""

    def __init__(self, cond: Condition, chinese: bool):
        from assistant.compliance.terms import Lexicon

        self.lexicon = Lexicon({t: t for t in cond.terms}, chinese) if cond.terms else None
        self.regex = re.compile("|".join(f"(?:{p})" for p in cond.patterns)) if cond.patterns else None
        self.gate = self.regex is not None and is_local(cond.patterns)
        widths = [min(sre_parse.parse(self.regex.pattern).getwidth()[1], MAX_WIDTH)] if self.regex else []
        widths += [len(t) + (MAX_WIDTH // 10 if t.endswith("*") else 0) for t in cond.terms]
        self.width = max(widths, default=0)  # the longest text one match covers

    def spans_by_segment(self, ctx: Context, rule: RuleBase) -> dict[int, list[tuple[int, int]]]:
        """Sorted spans in each segment's folded text (segments the rule reads), keyed by segment
        index: terms found in one pass over the document (no term holds a newline, and a newline
        bounds words like the end of a text), patterns segment by segment, and only when they match
        the whole document (see ``prefilter.is_local``)."""
        text, starts, segs = ctx.joined(None, True)
        out: dict[int, list[tuple[int, int]]] = {}
        if self.lexicon is not None:
            for s, e, _ in self.lexicon.find(text):
                i = bisect_right(starts, s) - 1
                out.setdefault(i, []).append((s - starts[i], e - starts[i]))
        if self.regex is not None and (not self.gate or self.regex.search(text)):
            for i, seg in enumerate(segs):
                hits = [m.span() for m in self.regex.finditer(seg.folded(ctx.chinese).text) if m.end() > m.start()]
                if hits:
                    out.setdefault(i, []).extend(hits)
        return {i: sorted(spans) for i, spans in out.items() if rule.wants_field(segs[i].field)}

    def search(self, text: str, pos: int = 0, until: int | None = None) -> bool:
        """Whether a term or pattern occurs in ``text``, starting at ``pos`` or later (and at ``until``
        or earlier)."""
        last = len(text) if until is None else until
        if self.regex is not None:
            for m in self.regex.finditer(text, pos):
                if m.start() > last:
                    break
                if m.end() > m.start():
                    return True
        return self.lexicon is not None and any(pos <= s <= last for s, _, _ in self.lexicon.find(text))

    def spans(self, text: str) -> SpanIndex:
        """Every occurrence (overlapping ones too)."""
        found = [m.span() for m in self.regex.finditer(text) if m.end() > m.start()] if self.regex else []
        if self.lexicon is not None:
            from assistant.compliance.terms import bounded_hits

            if not self.lexicon.empty:
                found += [(s, e) for s, e, _ in bounded_hits(self.lexicon.automaton, text)]
        return SpanIndex(found)


class Scope:
    """``other.search`` over ``text`` with a trigger blanked out, limited to the trigger's sentence
    when ``sentences``: what occurs away from the trigger is looked up in the occurrences found once
    (``SpanIndex``); only the trigger's neighbourhood is searched again, with the trigger blanked."""

    def __init__(self, other: ConditionMatcher, text: str, *, sentences: bool = False):
        self.other, self.text = other, text
        self.hits = other.spans(text)
        ends = [m.span() for m in SENTENCE_END.finditer(text)] if sentences else None
        self.ends = ends
        self._end_positions = [e for _, e in ends] if ends is not None else None

    def _bounds(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around ``start:end`` (the whole text without sentences)."""
        if self.ends is None:
            return 0, len(self.text)
        i = bisect_left(self._end_positions, start + 1) - 1  # the last sentence end before the trigger
        lo = max(0, min(self._end_positions[i], start)) if i >= 0 else 0
        if i + 1 < len(self.ends) and self.ends[i + 1][0] < start:  # a run of ends reaching into the trigger
            lo = start
        j = bisect_right(self._end_positions, end)
        hi = self._end_positions[j] if j < len(self.ends) else len(self.text)
        return lo, hi

    def found_besides(self, start: int, end: int) -> bool:
        """Whether ``other`` occurs in the scope of ``start:end`` once that span is blanked."""
        lo, hi = self._bounds(start, end)
        reach = MARGIN + self.other.width
        if self.hits.any_within(lo, start - MARGIN) or self.hits.any_within(end + MARGIN, hi):
            return True
        # what occurs near the trigger, searched again with the trigger blanked: only matches that start
        # within reach of it count (a match there ends before the window's cut, so the cut fakes nothing)
        left = max(lo, start - reach - CONTEXT)
        window = self.text[left:start] + " " * (end - start) + self.text[end:min(hi, end + reach + CONTEXT)]
        first = max(0, start - reach - left) if left > lo else 0
        return self.other.search(window, first, end - left + MARGIN)
