"""What the checker reads: a draft's fields, or pasted copy split into labelled fields.

Spans are offsets in the text that was checked: for fields, the field's own text (the finding
names the field); for pasted copy, the whole pasted text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.channels.fields import walk_fields
from assistant.compliance.normalize import Folded, fold, fold_lines

FieldValue = str | list[str]
LABEL = re.compile(
    r"^[ \t]*(?P<label>title|bullets?|descriptions?|headlines?|paths?|subject(?:[ _]line)?|preheader|"
    r"pre-header|preview(?:[ _]text)?|body|primary[ _]text|text|caption|cta|hashtags|meta[ _]title|"
    r"meta[ _]description|alt(?:[ _]text)?|keywords?|search[ _]terms?|footer)[ \t]*\d*[ \t]*[:：][ \t]?",
    re.IGNORECASE,
)
# label -> candidate schema fields, first one the channel has wins
_CANDIDATES = {
    "title": ["title"], "bullet": ["bullets"], "bullets": ["bullets"],
    "description": ["descriptions", "description", "primary_text"], "descriptions": ["descriptions", "description"],
    "headline": ["headlines", "headline"], "headlines": ["headlines", "headline"], "path": ["paths"], "paths": ["paths"],
    "subject": ["subject"], "subject line": ["subject"], "subject_line": ["subject"],
    "preheader": ["preheader"], "pre-header": ["preheader"], "preview": ["preheader"], "preview text": ["preheader"],
    "preview_text": ["preheader"],
    "body": ["body_text", "primary_text", "text", "description"], "text": ["text", "primary_text", "body_text", "description"],
    "caption": ["text", "primary_text"], "primary text": ["primary_text", "text"], "primary_text": ["primary_text", "text"],
    "cta": ["cta"], "hashtags": ["hashtags"], "footer": ["body_text", "text"],
    "meta title": ["meta_title"], "meta_title": ["meta_title"], "meta description": ["meta_description"],
    "meta_description": ["meta_description"], "alt": ["image_alt_text"], "alt text": ["image_alt_text"],
    "alt_text": ["image_alt_text"], "keyword": ["search_keywords"], "keywords": ["search_keywords"],
    "search term": ["search_keywords"], "search terms": ["search_keywords"], "search_terms": ["search_keywords"],
}
# unlabelled copy is measured as this field of the channel
DEFAULT_FIELD = {"social_post": "text", "influencer_post": "text", "social_ad": "primary_text", "email": "body_text"}
LIST_FIELDS = {"bullets", "headlines", "descriptions", "paths", "search_keywords", "hashtags", "body"}


@dataclass(slots=True)
class Segment:
    field: str | None  # schema field name ("bullets"); None for unlabelled text
    label: str | None  # display name ("bullets[2]")
    text: str
    offset: int  # where ``text`` starts in the checked text
    _folded: dict[bool, Folded] = field(default_factory=dict, repr=False)

    def folded(self, chinese: bool) -> Folded:
        if chinese not in self._folded:
            self._folded[chinese] = fold(self.text, chinese)
        return self._folded[chinese]


@dataclass
class Document:
    segments: list[Segment]
    fields: dict[str, list[str]]  # field -> its items, for item counts
    from_fields: bool  # built from a draft's fields (True) or pasted copy (False)

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.segments)

    def fold_all(self, chinese: bool) -> None:
        """Fold every segment in one pass over the joined text (the same result as folding each on
        its own, which remains the fallback when a character changes length)."""
        todo = [s for s in self.segments if chinese not in s._folded]
        if len(todo) < 2:
            return
        folded = fold_lines([s.text for s in todo], chinese)
        if folded is not None:
            for seg, text in zip(todo, folded):
                seg._folded[chinese] = Folded(text, None, len(seg.text))


def _field_for(label: str, channel_fields: set[str]) -> str:
    label = label.lower()
    for candidate in _CANDIDATES.get(label, [label.replace(" ", "_")]):
        if candidate in channel_fields:
            return candidate
    return _CANDIDATES.get(label, [label.replace(" ", "_")])[0]


def from_fields(fields: dict[str, FieldValue]) -> Document:
    segments: list[Segment] = []
    items: dict[str, list[str]] = {}
    for field in walk_fields(fields):
        segments.append(Segment(field.name, field.label, field.text, 0))
        items.setdefault(field.name, []).append(field.text)
    return Document(segments, items, from_fields=True)


def split_labelled(text: str, channel: str = "listing", channel_fields: set[str] | frozenset | None = None) -> Document:
    """Split pasted copy into labelled fields (``Title: ...`` one per line; following unlabelled
    lines continue the field). Unlabelled copy is one segment, measured as the channel's main text
    field. Offsets point into the original text."""
    if channel_fields is None:
        from assistant.channels import channel_spec

        channel_fields = frozenset(channel_spec(channel).fields)
    spans: list[list] = []  # [field, label, start, end]
    counters: dict[str, int] = {}
    pos = 0
    default = DEFAULT_FIELD.get(channel)
    for line in text.splitlines(keepends=True):
        m = LABEL.match(line)
        line_end = pos + len(line.rstrip("\r\n"))
        if m:
            name = _field_for(m.group("label").strip(), set(channel_fields))
            index = counters.get(name, 0)
            counters[name] = index + 1
            label = f"{name}[{index}]" if name in LIST_FIELDS else name
            spans.append([name, label, min(pos + m.end(), line_end), line_end])
        elif line.strip():
            if spans:
                spans[-1][3] = line_end
            else:
                spans.append([default, default, pos, line_end])
        pos += len(line)
    if not spans:
        spans = [[default, default, 0, len(text)]]
    segments = [Segment(f, label, text[s:e], s) for f, label, s, e in spans]
    fields: dict[str, list[str]] = {}
    for seg in segments:
        if seg.field:
            fields.setdefault(seg.field, []).append(seg.text)
    return Document(segments, fields, from_fields=False)
