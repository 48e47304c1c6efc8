"""What the checker reads: a draft's fields, or pasted copy split into labelled fields.

Spans are offsets in the text that was checked: for fields, the field's own text (the finding
names the field); for pasted copy, the whole pasted text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

import yaml

from assistant.channels.fields import walk_fields
from assistant.compliance.normalize import Folded, fold, fold_lines

FieldValue = str | list[str]


@functools.lru_cache(maxsize=1)
def _labels() -> tuple[re.Pattern[str], dict[str, str]]:
    """The label regex and localized label -> English label (``field_labels.yaml``)."""
    data = yaml.safe_load(resources.files("assistant.compliance").joinpath("field_labels.yaml").read_text("utf-8"))
    aliases = {str(k).lower(): str(v) for k, v in data["aliases"].items()}
    names = sorted({*map(str.lower, data["en"]), *aliases}, key=len, reverse=True)
    alternation = "|".join(re.escape(n).replace(r"\ ", "[ _]") for n in names)
    regex = re.compile(rf"^[ \t]*(?P<label>{alternation})[ \t]*\d{{0,2}}[ \t]*[:：][ \t]?", re.IGNORECASE)
    return regex, aliases


# label -> candidate schema fields, first one the channel has wins
_CANDIDATES = {
    "title": ["title", "headlines", "headline"], "bullet": ["bullets"], "bullets": ["bullets"],
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
# unlabelled text after a blank line that ends a short field
BODY_FIELD = {"email": "body_text", "listing": "description"}
# fields whose text runs on across blank lines
LONG_FIELDS = {"body_text", "body_html", "description", "text", "primary_text", None}
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
    """Split pasted copy into labelled fields (``Title: ...``, ``Betreff:``, ``見出し1：``; labels in
    ``field_labels.yaml``). Unlabelled lines continue the field above them until a blank line; a
    blank line ends a short field (subject, preheader, headline, title, bullet), and unlabelled text
    after it is the channel's body: the e-mail body (so its sign-off and footer are where the
    unsubscribe and postal-address checks look), a listing's description, a post's text. Long
    fields (body, description, post text) run on across blank lines. Offsets point into the
    original text."""
    if channel_fields is None:
        from assistant.channels import channel_spec

        channel_fields = frozenset(channel_spec(channel).fields)
    regex, aliases = _labels()
    spans: list[list] = []  # [field, label, start, end]
    counters: dict[str, int] = {}
    pos = 0
    default = DEFAULT_FIELD.get(channel)
    body = BODY_FIELD.get(channel, default)
    open_field = True  # whether unlabelled text continues the last field
    for line in text.splitlines(keepends=True):
        m = regex.match(line)
        line_end = pos + len(line.rstrip("\r\n"))
        if m:
            raw = m.group("label").strip().lower().replace("_", " ")
            name = _field_for(aliases.get(raw, raw), set(channel_fields))
            spans.append(_span(name, counters, min(pos + m.end(), line_end), line_end))
            open_field = True
        elif line.strip():
            if spans and open_field:
                spans[-1][3] = line_end
            else:
                spans.append(_span(body if spans else default, counters, pos, line_end))
                open_field = True
        elif spans and spans[-1][0] not in LONG_FIELDS:
            open_field = False
        pos += len(line)
    if not spans:
        spans = [[default, default, 0, len(text)]]
    segments = [Segment(f, label, text[s:e], s) for f, label, s, e in spans]
    fields: dict[str, list[str]] = {}
    for seg in segments:
        if seg.field:
            fields.setdefault(seg.field, []).append(seg.text)
    return Document(segments, fields, from_fields=False)


def _span(name: str | None, counters: dict[str, int], start: int, end: int) -> list:
    index = counters.get(name or "", 0)
    counters[name or ""] = index + 1
    label = f"{name}[{index}]" if name in LIST_FIELDS else name
    return [name, label, start, end]
