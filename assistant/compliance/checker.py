"""The checker: runs every applicable rule over a draft's fields or a pasted text.

Spans are offsets in the text that was checked: for ``check_fields`` the field's own text (the
finding names the field), for ``check_text`` the whole pasted text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.channels import FieldLimit, channel_spec, measure
from assistant.compliance.models import CheckReport, Finding, score_for
from assistant.compliance.quality import check_language, check_quality
from assistant.compliance.terms import TermRule, shipped_rules
from assistant.locales import Language, resolve_language

FieldValue = str | list[str]
LABEL = re.compile(
    r"^(?P<label>title|bullets?|description|headline|path|subject|preheader|body|meta[ _]title|"
    r"meta[ _]description|alt(?:[ _]text)?|keywords?)\s*\d*\s*:\s?",
    re.IGNORECASE,
)
_LABEL_FIELD = {
    "bullet": "bullets", "bullets": "bullets", "meta title": "meta_title", "meta_title": "meta_title",
    "meta description": "meta_description", "meta_description": "meta_description", "alt": "image_alt_text",
    "alt text": "image_alt_text", "alt_text": "image_alt_text", "keyword": "search_keywords",
    "keywords": "search_keywords",
}


@dataclass
class Segment:
    field: str | None  # schema field name ("bullets"), None for unlabelled text
    label: str | None  # display name ("bullets[2]")
    text: str
    offset: int


class Checker:
    def __init__(self, rules: tuple[TermRule, ...] | None = None):
        self.rules = rules if rules is not None else shipped_rules()

    # ---- entry points ---------------------------------------------------------------------
    def check_fields(
        self, fields: dict[str, FieldValue], *, lang: str, market: str, channel: str = "listing",
        platform: str | None = None,
    ) -> CheckReport:
        segments: list[Segment] = []
        for name, value in fields.items():
            if isinstance(value, list):
                segments += [Segment(name, f"{name}[{i}]", str(v), 0) for i, v in enumerate(value)]
            else:
                segments.append(Segment(name, name, str(value), 0))
        findings = self._run(segments, resolve_language(lang), channel, platform, fields)
        return CheckReport(findings=findings, score=score_for(findings))

    def check_text(
        self, text: str, *, lang: str, market: str, channel: str = "listing", platform: str | None = None
    ) -> CheckReport:
        segments = split_labelled(text)
        grouped: dict[str, list[str]] = {}
        for seg in segments:
            if seg.field:
                grouped.setdefault(seg.field, []).append(seg.text)
        findings = self._run(segments, resolve_language(lang), channel, platform, grouped, whole=False)
        return CheckReport(findings=findings, score=score_for(findings))

    # ---- internals ------------------------------------------------------------------------
    def _run(self, segments, lang: Language, channel, platform, fields, whole: bool = True) -> list[Finding]:
        findings: list[Finding] = []
        rules = [r for r in self.rules if lang.code in r.languages]
        for seg in segments:
            for rule in rules:
                findings += rule.find(seg.text, seg.offset, seg.label)
            findings += check_quality(seg.text, seg.offset, seg.label)
        limits = channel_spec(channel).limits(platform)
        findings += check_limits(segments, limits, fields if whole else None)
        prose = "\n".join(s.text for s in segments if s.field not in ("search_keywords",))
        findings += check_language(prose, lang)
        return sorted(findings, key=lambda f: (f.start, f.field or "", f.rule_id))


def check_limits(segments: list[Segment], limits: dict[str, FieldLimit], fields) -> list[Finding]:
    out: list[Finding] = []
    for seg in segments:
        limit = limits.get(seg.field or "")
        if limit is None or not limit.max or limit.joined:
            continue
        length = measure(seg.text, limit.count)
        if length > limit.max:
            out.append(_limit_finding(seg, limit, length, f"'{seg.label}' is {length} {limit.count} long"))
    by_field: dict[str, list[Segment]] = {}
    for seg in segments:
        if seg.field:
            by_field.setdefault(seg.field, []).append(seg)
    for name, limit in limits.items():
        segs = by_field.get(name, [])
        if limit.joined and limit.max and segs:
            joined = limit.joined.join(s.text for s in segs)
            length = measure(joined, limit.count)
            if length > limit.max:
                first = segs[0]
                out.append(_limit_finding(first, limit, length, f"'{name}' together are {length} {limit.count}",
                                          end=segs[-1].offset + len(segs[-1].text), label=name))
        count = len(segs)
        if fields is not None and name in fields and isinstance(fields[name], list):
            if limit.max_items and count > limit.max_items or limit.min_items and count < limit.min_items:
                out.append(Finding(
                    category="length_limit", rule_id=f"limit.{name}.items", severity="error", start=0, end=0,
                    field=name, message=f"'{name}' has {count} items; allowed {limit.min_items or 0}-{limit.max_items or 'n'}",
                    suggestion="Add or remove items", source=limit.source,
                ))
    return out


def _limit_finding(seg: Segment, limit: FieldLimit, length: int, what: str, end: int | None = None,
                   label: str | None = None) -> Finding:
    return Finding(
        category="length_limit", rule_id=f"limit.{seg.field}", severity="warning" if limit.soft else "error",
        start=seg.offset, end=end if end is not None else seg.offset + len(seg.text),
        field=label or seg.label, message=f"{what}; the limit is {limit.max}",
        suggestion=f"Shorten to at most {limit.max} {limit.count}", source=limit.source,
    )


def split_labelled(text: str) -> list[Segment]:
    """Split pasted copy into labelled fields (``Title: ...`` one per line); unlabelled text is one
    segment. Offsets point into the original text."""
    segments: list[Segment] = []
    counters: dict[str, int] = {}
    pos = 0
    current: Segment | None = None
    for line in text.splitlines(keepends=True):
        m = LABEL.match(line)
        body = line.rstrip("\r\n")
        if m:
            label = m.group("label").lower()
            field = _LABEL_FIELD.get(label, label.replace(" ", "_"))
            index = counters.get(field, 0)
            counters[field] = index + 1
            multi = field in ("bullets", "search_keywords", "headline", "path")
            current = Segment(field, f"{field}[{index}]" if multi else field, body[m.end():], pos + m.end())
            segments.append(current)
        elif current is not None and current.field and body.strip():
            current.text += "\n" + body if current.text else body
        elif body.strip():
            current = Segment(None, None, body, pos)
            segments.append(current)
        pos += len(line)
    return segments or [Segment(None, None, text, 0)]
