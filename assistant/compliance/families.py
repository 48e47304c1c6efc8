"""Claim families (``type: family`` rules): a trigger word near an object word in one sentence.

Both sides are lexicons found in one automaton pass each over the document (``terms.Lexicon``: the
same word boundaries, inflection and CJK substring matching as term rules), then each trigger is
paired with the nearest object within ``gap`` characters on the side the rule names, with no
sentence end between them. Linear in the text: a pass per lexicon and a bisect per trigger.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from assistant.compliance.checks import Context, _compiled_list, finding
from assistant.compliance.conditions import SENTENCE_END
from assistant.compliance.models import Finding
from assistant.compliance.rulemodels import FamilyRule


def prepare_family(rule: FamilyRule, chinese: bool):
    from assistant.compliance.terms import Lexicon

    return (Lexicon({t: t for t in rule.triggers}, chinese), Lexicon({o: o for o in rule.objects}, chinese),
            _compiled_list(rule.exceptions))


LINE_END = re.compile(r"\n")


def _pair(rule: FamilyRule, text: str, ts: int, te: int, objects: list, o_starts: list[int]) -> tuple[int, int] | None:
    """The span from trigger to the nearest object on an allowed side, or None."""
    boundary = SENTENCE_END if rule.within == "sentence" else LINE_END
    if rule.order != "object_first":
        j = bisect_left(o_starts, ts + 1)
        while j < len(objects) and objects[j][0] < te:  # an object inside the trigger ("治好" in "治好近视")
            j += 1
        if j < len(objects) and objects[j][0] - te <= rule.gap and not boundary.search(text, te, objects[j][0]):
            return ts, objects[j][1]
    if rule.order != "trigger_first":
        j = bisect_right(o_starts, ts) - 1
        while j >= 0 and objects[j][1] > ts:
            j -= 1
        if j >= 0 and ts - objects[j][1] <= rule.gap and not boundary.search(text, objects[j][1], ts):
            return objects[j][0], te
    return None


def check_family(rule: FamilyRule, ctx: Context, prepared) -> list[Finding]:
    triggers, objects, exceptions = prepared
    text, starts, segs = ctx.joined(None, True)
    found = triggers.find(text)
    if not found:
        return []
    things = objects.find(text)
    if not things:
        return []
    if exceptions is not None:  # a trigger or object inside an exception context does not count
        spans = [m.span() for m in exceptions.finditer(text) if m.end() > m.start()]
        if spans:
            found, things = _outside(found, spans), _outside(things, spans)
    o_starts = [s for s, _, _ in things]
    out: list[Finding] = []
    taken = -1
    for ts, te, _ in found:
        span = _pair(rule, text, ts, te, things, o_starts)
        if span is None or span[0] < taken:
            continue
        i = bisect_right(starts, span[0]) - 1
        seg = segs[i]
        start, end = span[0] - starts[i], span[1] - starts[i]
        folded = seg.folded(ctx.chinese)
        if not rule.wants_field(seg.field) or end > len(folded.text):
            continue
        taken = span[1]
        s, e = folded.span(start, end)
        out.append(finding(rule, seg, s, e, matched=seg.text[s:e]))
    return out


def _outside(hits: list, spans: list[tuple[int, int]]) -> list:
    """Hits not inside any of the (sorted) exception spans."""
    ends = [e for _, e in spans]
    out = []
    for hit in hits:
        j = bisect_left(ends, hit[1])
        if j < len(spans) and spans[j][0] <= hit[0]:
            continue
        out.append(hit)
    return out
