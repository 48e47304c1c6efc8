"""One check function per rule type (term lists are matched in ``terms.py``).

Patterns run on the folded (lower-case, half-width, Simplified) text; spans are mapped back to
the original text before a finding is made. What a rule compiles (regexes, term automata) is built
once per rule and script (``prepare``, called when the checker plans a context), and the check
functions take it as their third argument.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from assistant.channels import FieldLimit, channel_spec, measure
from assistant.compliance.conditions import ConditionMatcher, Scope
from assistant.compliance.document import Document, Segment
from assistant.compliance.models import Finding, trusted_finding
from assistant.compliance.spans import SpanIndex
from assistant.compliance.prefilter import literal_prefixes
from assistant.compliance.rulemodels import (
    ConditionalRule, LimitRule, OccurrenceRule, PatternRule, RequiredRule, RuleBase,
)

WORD = r"a-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff"
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
    starts: dict[str, list[int]] = field(default_factory=dict)  # rule id -> where its matches can start
    _joined: dict = field(default_factory=dict, repr=False)
    _segments: dict = field(default_factory=dict, repr=False)

    def joined(self, fields: list[str] | None, folded: bool) -> tuple[str, list[int], list[Segment]]:
        """The segments a rule reads, joined by newlines (one regex pass per document), with the start
        of each segment in the joined text."""
        key = (tuple(fields) if fields is not None else None, folded)
        if key not in self._joined:
            if folded:
                self.doc.fold_all(self.chinese)
            segs = [s for s in self.doc.segments if fields is None or s.field in fields]
            texts = [s.folded(self.chinese).text if folded else s.text for s in segs]
            starts, pos = [], 0
            for t in texts:
                starts.append(pos)
                pos += len(t) + 1
            self._joined[key] = ("\n".join(texts), starts, segs)
        return self._joined[key]

    def segments(self, fields: list[str] | None) -> list[Segment]:
        """The segments a rule reads (``RuleBase.wants_field``)."""
        key = tuple(fields) if fields is not None else None
        if key not in self._segments:
            self._segments[key] = [s for s in self.doc.segments if fields is None or s.field in fields]
        return self._segments[key]

    def matches(self, regex: re.Pattern[str], fields: list[str] | None, folded: bool = True,
                positions: list[int] | None = None):
        """(segment, start, end, match) for each match inside one segment; spans in the segment's
        folded (or original) text. ``positions``: the only places a match can start (sorted; see
        ``prefilter.py``), so the regex is tried there alone."""
        text, starts, segs = self.joined(fields, folded)
        for m in regex.finditer(text) if positions is None else _matches_at(regex, text, positions):
            i = bisect_right(starts, m.start()) - 1
            start, end = m.start() - starts[i], m.end() - starts[i]
            if end <= len(segs[i].folded(self.chinese).text if folded else segs[i].text) and end > start:
                yield segs[i], start, end, m


def _matches_at(regex: re.Pattern[str], text: str, positions: list[int]):
    """What ``regex.finditer(text)`` yields when matches can only start at ``positions`` (sorted) and
    are never empty: ``search`` is ``match`` tried at each position in turn, resuming after a match."""
    resume = 0
    for pos in positions:
        if pos >= resume and (m := regex.match(text, pos)) is not None:
            yield m
            resume = m.end()


def start_prefixes(rule: RuleBase) -> tuple[str, ...] | None:
    """Literal prefixes every match of a pattern rule that reads the whole document starts with."""
    if not isinstance(rule, PatternRule) or rule.fields is not None:
        return None
    return literal_prefixes(_alternation(rule.patterns))


def finding(rule: RuleBase, seg: Segment | None, start: int = 0, end: int = 0, *, matched: str | None = None,
            message: str | None = None, suggestion: str | None = None, rule_id: str | None = None,
            replacement: str | None = None) -> Finding:
    """A finding at ``start:end`` of the segment's own text (shifted by the segment's offset)."""
    base = seg.offset if seg else 0
    return trusted_finding(  # values come from validated rules: no second validation
        rule.category, rule_id or rule.id, rule.severity, base + start, base + end, message or rule.message,
        suggestion or rule.suggestion, seg.label if seg else None, rule.source, matched, replacement,
    )


def _alternation(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _compiled_list(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile(_alternation(patterns)) if patterns else None


def prepare(rule: RuleBase, chinese: bool):
    """What the rule's check compiles (regexes, condition automata), built once per rule and script."""
    key = ("prepared", chinese)
    if key not in rule._cache:
        rule._cache[key] = PREPARE[rule.type](rule, chinese)
    return rule._cache[key]


def _exceptions(exceptions: re.Pattern[str] | None, text: str) -> SpanIndex:
    """Where the rule's exception patterns match in ``text`` (one pass, whatever the number of hits)."""
    return SpanIndex(m.span() for m in exceptions.finditer(text)) if exceptions is not None else SpanIndex(())


def _segments(ctx: Context, rule: RuleBase) -> list[Segment]:
    return ctx.segments(rule.fields)


# ---- pattern ------------------------------------------------------------------------------------
def _prepare_pattern(rule: PatternRule, chinese: bool):
    return (_compiled_list(rule.patterns), _compiled_list(rule.exceptions),
            _compiled_list([rule.prefilter] if rule.prefilter else []))


def check_pattern(rule: PatternRule, ctx: Context, prepared) -> list[Finding]:
    out = []
    regex, exceptions, prefilter = prepared
    if prefilter is not None and not prefilter.search(ctx.joined(rule.fields, True)[0]):
        return []
    covered: dict[int, SpanIndex] = {}
    for seg, start, end, _ in ctx.matches(regex, rule.fields, positions=ctx.starts.get(rule.id)):
        folded = seg.folded(ctx.chinese)
        if id(seg) not in covered:
            covered[id(seg)] = _exceptions(exceptions, folded.text)
        if covered[id(seg)].covers(start, end):
            continue
        s, e = folded.span(start, end)
        out.append(finding(rule, seg, s, e, matched=seg.text[s:e]))
    return out


# ---- occurrence ---------------------------------------------------------------------------------
HASHTAG = re.compile(r"(?<![\w&])#\w+")
EXCLAMATION = re.compile(r"[!！]")
# asterisks after a letter, digit or CJK character mask data (王**, 138****8000), they do not shout
REPEATED = re.compile(r"[!?！？]{2,}|[.。]{4,}|([$~€¥])\1{1,}|(?<![\w\u4e00-\u9fff])\*{2,}")
CAPS_WORD = re.compile(r"\b[A-ZÄÖÜÀ-Þ][A-ZÄÖÜÀ-Þ'’-]*[A-ZÄÖÜÀ-Þ]\b")
LATIN_LETTERS = re.compile(r"[A-Za-zÀ-ÿ]+")  # counted as runs: one match per letter is slow
LATIN_UPPER = re.compile(r"[A-ZÀ-ÖØ-Þ]+")  # the letters of LATIN_LETTERS that are upper case


MEASURES = {"hashtags": HASHTAG, "exclamations": EXCLAMATION, "repeated_punct": REPEATED, "caps_words": CAPS_WORD}
CLUES = {  # literal text without which a measure finds nothing (checked before the regex)
    "hashtags": ("#",), "exclamations": ("!", "！"), "caps_words": tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "repeated_punct": ("!!", "??", "!?", "?!", "....", "。。。。", "！！", "？？", "$$", "**", "~~", "€€", "¥¥"),
}


def _occurrences(rule: OccurrenceRule, ctx: Context, regex: re.Pattern[str] | None) -> list[tuple[Segment, int, int]]:
    """(segment, start, end) of every occurrence, spans in the segment's original text."""
    if rule.measure == "pattern":
        return [(seg, *seg.folded(ctx.chinese).span(s, e)) for seg, s, e, _ in ctx.matches(regex, rule.fields)]
    if not any(clue in ctx.joined(rule.fields, False)[0] for clue in CLUES[rule.measure]):
        return []
    hits = [(seg, s, e) for seg, s, e, m in ctx.matches(MEASURES[rule.measure], rule.fields, folded=False)]
    if rule.measure == "caps_words":
        hits = [(seg, s, e) for seg, s, e in hits
                if e - s >= 3 and seg.text[s:e].replace("-", "") not in ACRONYMS]
    return hits


def _prepare_occurrence(rule: OccurrenceRule, chinese: bool):
    return _compiled_list([rule.pattern or ""]) if rule.measure == "pattern" else None


def check_occurrence(rule: OccurrenceRule, ctx: Context, prepared) -> list[Finding]:
    segs = _segments(ctx, rule)
    if rule.measure == "caps_ratio":
        out = []
        for seg in segs:
            letters = len(seg.text) - len(LATIN_LETTERS.sub("", seg.text))
            if letters < max(rule.min_letters, 1):
                continue
            ratio = (len(seg.text) - len(LATIN_UPPER.sub("", seg.text))) / letters
            if ratio > rule.max:
                out.append(finding(rule, seg, 0, len(seg.text), matched=seg.text[:60],
                                   message=f"{rule.message} ({ratio:.0%} capitals)"))
        return out
    hits = _occurrences(rule, ctx, prepared)
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
def check_required(rule: RequiredRule, ctx: Context, any_of: ConditionMatcher) -> list[Finding]:
    text, _, segs = ctx.joined(rule.fields, True)  # the segments the rule reads
    if len(text.strip()) < rule.min_chars or (rule.fields and not segs):
        return []
    if any_of.search(text):
        return []
    return [finding(rule, None)]


# ---- conditional --------------------------------------------------------------------------------
def _prepare_conditional(rule: ConditionalRule, chinese: bool):
    return (ConditionMatcher(rule.when, chinese), ConditionMatcher(rule.require or rule.forbid, chinese),
            _compiled_list(rule.exceptions))


def check_conditional(rule: ConditionalRule, ctx: Context, prepared) -> list[Finding]:
    """A trigger (``when``) needs something else present (``require``) or absent (``forbid``) in
    the same sentence, field or document. What is required may also come from the facts."""
    when, other, exceptions = prepared
    if rule.require is not None and (ctx.facts or ctx.support) and _supported_by_facts(other, ctx):
        return []
    out = []
    doc_text, starts, segs = ctx.joined(None, True)
    doc_scope = Scope(other, doc_text) if rule.within == "document" else None
    for i, spans in when.spans_by_segment(ctx, rule).items():
        seg = segs[i]
        folded = seg.folded(ctx.chinese)
        covered = _exceptions(exceptions, folded.text)
        scope = doc_scope or Scope(other, folded.text, sentences=rule.within == "sentence")
        shift = starts[i] if doc_scope else 0
        for start, end in spans:
            if covered.covers(start, end):
                continue
            if scope.found_besides(start + shift, end + shift) == (rule.require is not None):
                continue
            s, e = folded.span(start, end)
            out.append(finding(rule, seg, s, e, matched=seg.text[s:e]))
    return out


def _supported_by_facts(require: ConditionMatcher, ctx: Context) -> bool:
    """What a conditional rule requires may also come from the facts or a retrieved guideline."""
    from assistant.compliance.grounding import facts_text
    from assistant.compliance.normalize import fold

    return bool(require.search(fold(facts_text(ctx.facts, ctx.support), ctx.chinese).text))


# ---- limit --------------------------------------------------------------------------------------
def check_limit(rule: LimitRule, ctx: Context, prepared: dict) -> list[Finding]:
    if rule.spec:
        spec = channel_spec(ctx.channel)
        known = prepared.get((ctx.channel, ctx.spec_platform))  # the limits, while the specs stay the same
        if known is None or known[0] is not spec:
            known = prepared[ctx.channel, ctx.spec_platform] = (spec, spec.limits(ctx.spec_platform))
        limits = known[1]
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
PREPARE = {
    "pattern": _prepare_pattern, "occurrence": _prepare_occurrence,
    "required": lambda rule, chinese: ConditionMatcher(rule.any_of, chinese),
    "conditional": _prepare_conditional, "limit": lambda rule, chinese: {},
}


from assistant.compliance.families import check_family, prepare_family  # noqa: E402 (imports this module)

from assistant.compliance.personal import check_personal_data  # noqa: E402

CHECKS["family"] = check_family
PREPARE["family"] = prepare_family
CHECKS["personal_data"] = check_personal_data
PREPARE["personal_data"] = lambda rule, chinese: None
