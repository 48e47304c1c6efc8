"""One check function per rule type (term lists are matched in ``terms.py``).

Patterns run on the folded (lower-case, half-width, Simplified) text; spans are mapped back to
the original text before a finding is made.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from assistant.channels import FieldLimit, channel_spec, measure
from assistant.compliance.document import Document, Segment
from assistant.compliance.models import Finding
from assistant.compliance.rulemodels import (
    Condition, ConditionalRule, LimitRule, OccurrenceRule, PatternRule, RequiredRule, RuleBase,
)

WORD = r"a-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff"
SENTENCE_END = re.compile(r"[.!?。！？;；\n]+")
ACRONYMS = frozenset("""FSC BPA USB LED LCD UV USA UK EU CE FDA ISO PFOA PTFE LFGB USDA SPF DIY TV HD
    ABS PET PP PE HEPA RGB AAA OEM GOTS OEKO TEX NFC GPS AI WIFI IPX CEO VIP PDF FAQ DHL UPS EMS QR""".split())


@dataclass
class Context:
    doc: Document
    lang: str
    market: str
    channel: str
    platform: str | None
    chinese: bool
    facts: dict[str, Any] | None = None
    support: list[str] | None = None
    spec_platform: str | None = None  # the platform as the channel specs know it (None: defaults)
    _joined: dict = field(default_factory=dict, repr=False)

    def joined(self, fields: list[str] | None, folded: bool) -> tuple[str, list[int], list[Segment]]:
        """The segments a rule reads, joined by newlines (one regex pass per document), with the start
        of each segment in the joined text."""
        key = (tuple(fields) if fields is not None else None, folded)
        if key not in self._joined:
            segs = [s for s in self.doc.segments if fields is None or s.field in fields]
            texts = [s.folded(self.chinese).text if folded else s.text for s in segs]
            starts, pos = [], 0
            for t in texts:
                starts.append(pos)
                pos += len(t) + 1
            self._joined[key] = ("\n".join(texts), starts, segs)
        return self._joined[key]

    def matches(self, regex: re.Pattern[str], fields: list[str] | None, folded: bool = True):
        """(segment, start, end, match) for each match inside one segment; spans in the segment's
        folded (or original) text."""
        text, starts, segs = self.joined(fields, folded)
        for m in regex.finditer(text):
            i = bisect_right(starts, m.start()) - 1
            start, end = m.start() - starts[i], m.end() - starts[i]
            if end <= len(segs[i].folded(self.chinese).text if folded else segs[i].text) and end > start:
                yield segs[i], start, end, m


def finding(rule: RuleBase, seg: Segment | None, start: int = 0, end: int = 0, *, matched: str | None = None,
            message: str | None = None, suggestion: str | None = None, rule_id: str | None = None,
            replacement: str | None = None) -> Finding:
    """A finding at ``start:end`` of the segment's own text (shifted by the segment's offset)."""
    base = seg.offset if seg else 0
    return Finding.model_construct(  # values come from validated rules: no second validation
        model_judged=False,
        category=rule.category, rule_id=rule_id or rule.id, severity=rule.severity, start=base + start,
        end=base + end, message=message or rule.message, suggestion=suggestion or rule.suggestion,
        field=seg.label if seg else None, source=rule.source, matched=matched, replacement=replacement,
    )


class ConditionMatcher:
    """Finds a condition's terms (one automaton, same boundaries as term rules) and patterns."""

    def __init__(self, cond: Condition, chinese: bool):
        from assistant.compliance.terms import Lexicon

        self.lexicon = Lexicon({t: t for t in cond.terms}, chinese) if cond.terms else None
        self.regex = re.compile("|".join(f"(?:{p})" for p in cond.patterns)) if cond.patterns else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        out = [(s, e) for s, e, _ in self.lexicon.find(text)] if self.lexicon else []
        if self.regex is not None:
            out += [m.span() for m in self.regex.finditer(text) if m.end() > m.start()]
        return sorted(out)

    def search(self, text: str) -> bool:
        return bool(self.lexicon and self.lexicon.find(text)) or bool(self.regex and self.regex.search(text))


def condition(rule: RuleBase, name: str, cond: Condition, chinese: bool) -> ConditionMatcher:
    key = (name, chinese)
    if key not in rule._cache:
        rule._cache[key] = ConditionMatcher(cond, chinese)
    return rule._cache[key]


def _compiled_list(rule: RuleBase, name: str, patterns: list[str]) -> re.Pattern[str] | None:
    if name not in rule._cache:
        rule._cache[name] = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
    return rule._cache[name]


def _excepted(exceptions: re.Pattern[str] | None, text: str, start: int, end: int) -> bool:
    if exceptions is None:
        return False
    return any(m.start() <= start and end <= m.end() for m in exceptions.finditer(text))


def _segments(ctx: Context, rule: RuleBase) -> list[Segment]:
    return [s for s in ctx.doc.segments if rule.wants_field(s.field)]


# ---- pattern ------------------------------------------------------------------------------------
def check_pattern(rule: PatternRule, ctx: Context) -> list[Finding]:
    out = []
    regex = _compiled_list(rule, "patterns", rule.patterns)
    exceptions = _compiled_list(rule, "exceptions", rule.exceptions)
    prefilter = _compiled_list(rule, "prefilter", [rule.prefilter] if rule.prefilter else [])
    if prefilter is not None and not prefilter.search(ctx.joined(rule.fields, True)[0]):
        return []
    for seg, start, end, _ in ctx.matches(regex, rule.fields):
        folded = seg.folded(ctx.chinese)
        if _excepted(exceptions, folded.text, start, end):
            continue
        s, e = folded.span(start, end)
        out.append(finding(rule, seg, s, e, matched=seg.text[s:e]))
    return out


# ---- occurrence ---------------------------------------------------------------------------------
HASHTAG = re.compile(r"(?<![\w&])#\w+")
EXCLAMATION = re.compile(r"[!！]")
REPEATED = re.compile(r"[!?！？]{2,}|[.。]{4,}|([$*~€¥])\1{1,}")
CAPS_WORD = re.compile(r"\b[A-ZÄÖÜÀ-Þ][A-ZÄÖÜÀ-Þ'’-]*[A-ZÄÖÜÀ-Þ]\b")
LATIN_LETTER = re.compile(r"[A-Za-zÀ-ÿ]")


MEASURES = {"hashtags": HASHTAG, "exclamations": EXCLAMATION, "repeated_punct": REPEATED, "caps_words": CAPS_WORD}
CLUES = {  # literal text without which a measure finds nothing (checked before the regex)
    "hashtags": ("#",), "exclamations": ("!", "！"), "caps_words": tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "repeated_punct": ("!!", "??", "!?", "?!", "....", "。。。。", "！！", "？？", "$$", "**", "~~", "€€", "¥¥"),
}


def _occurrences(rule: OccurrenceRule, ctx: Context) -> list[tuple[Segment, int, int]]:
    """(segment, start, end) of every occurrence, spans in the segment's original text."""
    if rule.measure == "pattern":
        regex = _compiled_list(rule, "pattern", [rule.pattern or ""])
        return [(seg, *seg.folded(ctx.chinese).span(s, e)) for seg, s, e, _ in ctx.matches(regex, rule.fields)]
    if not any(clue in ctx.joined(rule.fields, False)[0] for clue in CLUES[rule.measure]):
        return []
    hits = [(seg, s, e) for seg, s, e, m in ctx.matches(MEASURES[rule.measure], rule.fields, folded=False)]
    if rule.measure == "caps_words":
        hits = [(seg, s, e) for seg, s, e in hits
                if e - s >= 3 and seg.text[s:e].replace("-", "") not in ACRONYMS]
    return hits


def check_occurrence(rule: OccurrenceRule, ctx: Context) -> list[Finding]:
    segs = _segments(ctx, rule)
    if rule.measure == "caps_ratio":
        out = []
        for seg in segs:
            letters = LATIN_LETTER.findall(seg.text)
            if len(letters) < max(rule.min_letters, 1):
                continue
            ratio = sum(ch.isupper() for ch in letters) / len(letters)
            if ratio > rule.max:
                out.append(finding(rule, seg, 0, len(seg.text), matched=seg.text[:60],
                                   message=f"{rule.message} ({ratio:.0%} capitals)"))
        return out
    hits = _occurrences(rule, ctx)
    if rule.scope == "document":
        groups = [hits]
    else:
        by_seg: dict[int, list] = {}
        for hit in hits:
            by_seg.setdefault(id(hit[0]), []).append(hit)
        groups = list(by_seg.values())
    out = []
    for group in groups:
        if len(group) > rule.max:
            seg, s, _ = group[int(rule.max)]
            last_seg, _, e = group[-1]
            end = e if last_seg is seg else len(seg.text)
            out.append(finding(rule, seg, s, end, matched=seg.text[s:end][:60],
                               message=f"{rule.message} (found {len(group)}, at most {rule.max:g})"))
    return out


# ---- required -----------------------------------------------------------------------------------
def check_required(rule: RequiredRule, ctx: Context) -> list[Finding]:
    segs = _segments(ctx, rule)
    text = "\n".join(s.folded(ctx.chinese).text for s in segs)
    if len(text.strip()) < rule.min_chars or (rule.fields and not segs):
        return []
    if condition(rule, "any_of", rule.any_of, ctx.chinese).search(text):
        return []
    return [finding(rule, None)]


# ---- conditional --------------------------------------------------------------------------------
def check_conditional(rule: ConditionalRule, ctx: Context) -> list[Finding]:
    """A trigger (``when``) needs something else present (``require``) or absent (``forbid``) in
    the same sentence, field or document. What is required may also come from the facts."""
    when = condition(rule, "when", rule.when, ctx.chinese)
    other = condition(rule, "other", rule.require or rule.forbid, ctx.chinese)
    exceptions = _compiled_list(rule, "exceptions", rule.exceptions)
    if rule.require is not None and (ctx.facts or ctx.support) and _supported_by_facts(other, ctx):
        return []
    out = []
    for seg in _segments(ctx, rule):
        folded = seg.folded(ctx.chinese)
        for start, end in when.spans(folded.text):
            if _excepted(exceptions, folded.text, start, end):
                continue
            blanked = folded.text[:start] + " " * (end - start) + folded.text[end:]  # not its own support
            if rule.within == "sentence":
                scope = _sentence(blanked, start, end)
            elif rule.within == "field":
                scope = blanked
            else:
                scope = "\n".join(blanked if s is seg else s.folded(ctx.chinese).text for s in ctx.doc.segments)
            if other.search(scope) == (rule.require is not None):
                continue
            s, e = folded.span(start, end)
            out.append(finding(rule, seg, s, e, matched=seg.text[s:e]))
    return out


def _supported_by_facts(require: ConditionMatcher, ctx: Context) -> bool:
    """What a conditional rule requires may also come from the facts or a retrieved guideline."""
    from assistant.compliance.grounding import facts_text
    from assistant.compliance.normalize import fold

    return bool(require.search(fold(facts_text(ctx.facts, ctx.support), ctx.chinese).text))


def _sentence(text: str, start: int, end: int) -> str:
    left = 0
    for m in SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    m = SENTENCE_END.search(text, end)
    return text[left:m.end() if m else len(text)]


# ---- limit --------------------------------------------------------------------------------------
def check_limit(rule: LimitRule, ctx: Context) -> list[Finding]:
    if rule.spec:
        limits = channel_spec(ctx.channel).limits(ctx.spec_platform)
    else:
        limits = {f: FieldLimit(max=rule.max, count=rule.count, source=rule.source) for f in rule.fields or []}
    out: list[Finding] = []
    by_field: dict[str, list[Segment]] = {}
    for seg in ctx.doc.segments:
        if seg.field:
            by_field.setdefault(seg.field, []).append(seg)
    for name, limit in limits.items():
        segs = by_field.get(name, [])
        if limit.max and not limit.joined:
            for seg in segs:
                length = measure(seg.text, limit.count)
                if length > limit.max:
                    out.append(_limit(rule, seg, limit, length, f"'{seg.label}' is {length} {_unit(limit)} long"))
        if limit.max and limit.joined and segs:
            length = measure(limit.joined.join(s.text for s in segs), limit.count)
            if length > limit.max:
                out.append(_limit(rule, segs[0], limit, length, f"'{name}' together are {length} {_unit(limit)}",
                                  label=name, end=len(segs[0].text)))
        count = len(ctx.doc.fields.get(name, []))
        if ctx.doc.from_fields and name in ctx.doc.fields and (
            (limit.max_items and count > limit.max_items) or (limit.min_items and count < limit.min_items)
        ):
            out.append(Finding(
                category="length_limit", rule_id=f"{rule.id}.{name}.items", severity=rule.severity, start=0, end=0,
                field=name, message=f"'{name}' has {count} items; allowed {limit.min_items or 0}-{limit.max_items or 'n'}",
                suggestion="Add or remove items", source=limit.source or rule.source,
            ))
        elif not ctx.doc.from_fields and limit.max_items and count > limit.max_items and name != "hashtags":
            out.append(Finding(
                category="length_limit", rule_id=f"{rule.id}.{name}.items", severity=rule.severity, start=0, end=0,
                field=name, message=f"'{name}' has {count} items; at most {limit.max_items} allowed",
                suggestion="Remove items", source=limit.source or rule.source,
            ))
    return out


def _unit(limit: FieldLimit) -> str:
    return {"chars": "characters", "cjk2": "width units (CJK counts 2)", "bytes": "bytes",
            "x": "X characters (CJK 2, URL 23)"}[limit.count]


def _limit(rule: LimitRule, seg: Segment, limit: FieldLimit, length: int, what: str, *, label: str | None = None,
           end: int | None = None) -> Finding:
    f = finding(rule, seg, 0, len(seg.text) if end is None else end, rule_id=f"{rule.id}.{seg.field}",
                message=f"{what}; the limit is {limit.max}", suggestion=f"Shorten to at most {limit.max} {_unit(limit)}")
    return f.model_copy(update={"severity": "warning" if limit.soft else rule.severity,
                                "source": limit.source or rule.source, "field": label or seg.label})


CHECKS = {
    "pattern": check_pattern, "occurrence": check_occurrence, "required": check_required,
    "conditional": check_conditional, "limit": check_limit,
}
