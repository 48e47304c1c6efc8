"""Text normalisation for matching, with spans that map back to the original text.

Matching runs on a folded copy of the text: full-width forms become half-width (NFKC), letters are
lower-cased, curly quotes and dashes become ASCII, and for Chinese, Traditional characters become
Simplified (so one rule written in Simplified covers zh-Hant copy). Almost every character folds to
exactly one character, so the folded text is usually as long as the original and offsets carry
over unchanged; when a character expands (``㎏`` -> ``kg``) an offset map is kept instead.
"""

from __future__ import annotations

import functools
import re
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


@dataclass(slots=True)  # not frozen: one is built per field checked, and frozen init is slow
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


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_WIDE = re.compile("[\uff01-\uff5e\u3000]")  # full-width ASCII and the ideographic space
_NARROW = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster on CJK copy: full-width ASCII is first replaced
    by its compatibility decomposition (the same NFKD, hence the same NFKC), after which the text is
    usually normalized already, which NFKC checks quickly."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for ch in set(_WIDE.findall(text)):
        text = text.replace(ch, _NARROW[ch])
    return unicodedata.normalize("NFKC", text)


@functools.lru_cache(maxsize=2)
def _fast_table(chinese: bool) -> tuple[dict[str, str], frozenset[str], re.Pattern[str]]:
    """Punctuation (and for Chinese, Traditional -> Simplified): 1:1 replacements, their keys, and a
    character class of the keys below U+10000. Each key maps to its final character, as the exact
    table (``_FoldTable``) folds it: 「 becomes “ (Simplified) and then " (ASCII), whatever else the
    text holds."""
    table = {k: v for k, v in _PUNCT.items() if len(v) == 1}
    if chinese:
        table.update(_t2s_chars())
    table = {k: _PUNCT.get(v, v) if chinese else v for k, v in table.items()}
    table = {k: v for k, v in table.items() if k != v}  # a character that maps to itself needs no work
    bmp = "".join(re.escape(k) for k in sorted(table) if k <= "\uffff")
    return table, frozenset(table), re.compile(f"[{bmp}]")


def _replace_chars(text: str, chinese: bool) -> str:
    """Replace the few characters of ``text`` that the table maps (found first: most characters map
    to themselves, and ``str.translate`` with a large dict is slow on misses)."""
    table, keys, bmp = _fast_table(chinese)
    for ch in set(text) & keys if _ASTRAL.search(text) else set(bmp.findall(text)):
        text = text.replace(ch, table[ch])
    return text


def fold(text: str, chinese: bool = False) -> Folded:
    if text.isascii():
        return Folded(text.lower(), None, len(text))
    fast = _nfkc(text).lower()  # C speed; exact when no character expands
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


def fold_lines(texts: list[str], chinese: bool = False) -> list[str] | None:
    """``fold(t).text`` of each text, folded in one pass; ``None`` when some line changes length (then
    fold the texts one by one: they need an offset map or the exact table).

    Exact because NFKC and lower-casing never act across a newline (a starter that composes with
    nothing, neither cased nor case-ignorable) and fold no other character to one, so line i of the
    result is line i folded alone; and the 1:1 replacements act per character."""
    joined = "\n".join(texts)
    if joined.isascii():
        out = joined.lower()  # what ``fold`` does; no replacement key is ASCII
    else:
        out = _nfkc(joined).lower()
        if len(out) != len(joined) or [len(x) for x in out.split("\n")] != [len(x) for x in joined.split("\n")]:
            return None
        out = _replace_chars(out, chinese)
    parts, pos = [], 0
    for t in texts:
        parts.append(out[pos:pos + len(t)])
        pos += len(t) + 1
    return parts


def fold_term(term: str, chinese: bool = False) -> str:
    return fold(term, chinese).text


def is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalnum()


@functools.lru_cache(maxsize=4096)
def is_word_char(ch: str) -> bool:
    """A letter or digit of a spaced script: word boundaries are checked against these."""
    return ch.isalnum() and not is_cjk(ch)
