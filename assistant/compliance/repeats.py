"""Copy that repeats other copy of the same draft: a description that is the title again, a headline
that is the primary text, a bullet that is the title. A shopper reads it twice and learns nothing new,
and it is the typical failure of a weak model, which copies the product name into every field.

One comparison (``repeated``) serves the checker (``quality.repeated_copy``, a warning for the
reviewer) and the offline model's field-by-field decoding (``assistant/llm/fieldwise.py``), which writes
a field again when it came out as a repeat.

Texts are compared after folding case, punctuation and spacing. A text repeats an earlier one when both
have at least ``MIN_WORDS`` words and they are the same, or one holds the other and the shorter is at
least ``NEAR_SHARE`` of the longer ("Bambuu Pan, 28 cm" and "Bambuu Pan 28 cm."). A short headline
inside a long description is not a repeat.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable

from assistant.compliance.models import Finding

MIN_WORDS = 2  # "28 cm" or a one-word bullet is not copy worth comparing
NEAR_SHARE = 0.75
# fields of terms, not copy: a keyword may well be the product name again
TERM_FIELDS = frozenset({"search_keywords", "hashtags", "paths", "call_to_action", "url_handle",
                         "needs_follow_up"})
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)  # letters only: no digits, no underscore
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def folded(text: str) -> str:
    """Lower case, words and numbers only, single spaces."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def _words(text: str) -> int:
    cjk = len(CJK.findall(text))  # no spaces between words: two characters count as a word
    return len(WORD.findall(CJK.sub(" ", text))) + cjk // 2


def repeated(text: str, earlier: Iterable[str]) -> str | None:
    """The earlier text that ``text`` repeats, else ``None``."""
    mine = folded(text)
    if _words(text) < MIN_WORDS:
        return None
    for other in earlier:
        theirs = folded(other)
        if not theirs or _words(other) < MIN_WORDS:
            continue
        short, long = sorted((mine, theirs), key=len)
        if short == long or (short in long and len(short) >= NEAR_SHARE * len(long)):
            return other
    return None


def texts_of(value: Any) -> list[str]:
    """The texts of a field's value: the string, or the list's strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


_CLAUSE = re.compile(r"[,，、;；.。!！?？:：\n]+")
LOOP_TIMES = 3  # a clause said three times in one text is a loop, not emphasis


def looping(text: str) -> tuple[str, int] | None:
    """The clause ``text`` says at least ``LOOP_TIMES`` times (split at punctuation), and how often:
    the run-on of a small model ("包装包容性,包装包容性,包装包容性", "用，用，用")."""
    counts = Counter(c for c in (folded(part) for part in _CLAUSE.split(text)) if c)
    clause, times = (counts.most_common(1) or [("", 0)])[0]
    return (clause, times) if times >= LOOP_TIMES else None


def check_repeats(parts: list[tuple[str, int, str | None, str | None]]) -> list[Finding]:
    """A warning for every text (field or list item) that repeats an earlier one of the same draft,
    for every list item that is an earlier item of its list again, however short (five bullets
    "烤箱", a keyword twice: terms included), and for a text that says one clause over and over. ``parts``: (text, offset, field name, label such as
    ``bullets[2]``), in the draft's order."""
    seen: list[tuple[str, str | None]] = []
    items: dict[str | None, dict[str, str | None]] = {}  # per list field: folded item -> its label
    out = []

    def warn(text: str, offset: int, label: str | None, message: str, suggestion: str) -> None:
        out.append(Finding(category="quality", rule_id="quality.repeated_copy", severity="warning", start=offset,
                           end=offset + len(text), field=label, matched=text[:120], message=message,
                           suggestion=suggestion, source="Brand Content Assistant quality checks"))

    for text, offset, field, label in parts:
        key = folded(text)
        if label != field and key:  # a list item
            same_list = items.setdefault(field, {})
            if key in same_list:
                warn(text, offset, label, f"the same item as {same_list[key]}: '{text[:60]}'",
                     "Remove it, or replace it with an item the list does not have yet")
                continue
            same_list[key] = label
        if field in TERM_FIELDS:
            continue
        if loop := looping(text):
            warn(text, offset, label, f"says '{loop[0][:40]}' {loop[1]} times over",
                 "Say it once, then add a feature, a use or a fact")
        other = repeated(text, (t for t, _ in seen))
        if other is not None:
            where = next(lab for t, lab in seen if t == other)
            warn(text, offset, label, f"repeats {where or 'earlier copy'} word for word: '{other[:60]}'",
                 "Say something the other field does not: a feature, a use, a fact")
        seen.append((text, label))
    return out
