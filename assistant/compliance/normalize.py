"""Text normalisation for matching, with spans that map back to the original text.

Matching runs on a folded copy of the text: full-width forms become half-width (NFKC), letters are
lower-cased, curly quotes and dashes become ASCII, and for Chinese, Traditional characters become
Simplified (so one rule written in Simplified covers zh-Hant copy). Almost every character folds to
exactly one character, so the folded text is usually as long as the original and offsets carry
over unchanged; when a character expands (``㎏`` -> ``kg``) an offset map is kept instead.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

_PUNCT = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'", "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u3000": " ", "\u00ba": "°",
}


class _FoldTable(dict):
    """``str.translate`` table filled on first sight of each character."""

    def __init__(self, t2s: dict[str, str] | None = None):
        super().__init__()
        self.t2s = t2s or {}

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in _PUNCT:
            out = _PUNCT[ch]
        else:
            out = unicodedata.normalize("NFKC", ch).lower() or ch
            if len(out) == 1:
                out = self.t2s.get(out, out)
            out = _PUNCT.get(out, out) if len(out) == 1 else out
        self[code] = out
        return out


@functools.lru_cache(maxsize=1)
def _t2s_chars() -> dict[str, str]:
    """Single-character Traditional -> Simplified table (from zhconv's dictionary)."""
    from zhconv import zhconv

    table = zhconv.getdict("zh-hans")
    return {k: v for k, v in table.items() if len(k) == 1 and len(v) == 1}


@functools.lru_cache(maxsize=2)
def fold_table(chinese: bool) -> _FoldTable:
    return _FoldTable(_t2s_chars() if chinese else None)


@dataclass(frozen=True)
class Folded:
    """The folded text and, when lengths differ, the original offset of every folded character."""

    text: str
    origin: tuple[int, ...] | None = None
    original_length: int = 0

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the folded text back to the original text."""
        if self.origin is None:
            return start, end
        o_start = self.origin[start] if start < len(self.origin) else self.original_length
        if end <= start:
            return o_start, o_start
        return o_start, self.origin[end - 1] + 1


@functools.lru_cache(maxsize=2)
def _fast_table(chinese: bool) -> tuple[dict[str, str], frozenset[str]]:
    """Punctuation (and for Chinese, Traditional -> Simplified): 1:1 replacements, and their keys."""
    table = {k: v for k, v in _PUNCT.items() if len(v) == 1}
    if chinese:
        table.update(_t2s_chars())
    return table, frozenset(table)


def _replace_chars(text: str, chinese: bool) -> str:
    """Replace the few characters of ``text`` that the table maps (a set intersection first: most
    characters map to themselves, and ``str.translate`` with a large dict is slow on misses)."""
    table, keys = _fast_table(chinese)
    for ch in set(text) & keys:
        text = text.replace(ch, table[ch])
    return text


def fold(text: str, chinese: bool = False) -> Folded:
    if text.isascii():
        return Folded(text.lower(), None, len(text))
    fast = unicodedata.normalize("NFKC", text).lower()  # C speed; exact when no character expands
    if len(fast) == len(text):
        return Folded(_replace_chars(fast, chinese), None, len(text))
    table = fold_table(chinese)
    out = text.translate(table)
    if len(out) == len(text):
        return Folded(out, None, len(text))
    origin: list[int] = []
    for i, ch in enumerate(text):
        origin.extend([i] * len(table[ord(ch)]))
    return Folded(out, tuple(origin), len(text))


def fold_term(term: str, chinese: bool = False) -> str:
    return fold(term, chinese).text


def is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalnum()


def is_word_char(ch: str) -> bool:
    """A letter or digit of a spaced script: word boundaries are checked against these."""
    return ch.isalnum() and not is_cjk(ch)
