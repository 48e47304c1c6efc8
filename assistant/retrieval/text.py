"""Language-neutral text features shared by the keyword index and the offline embedder.

Latin-script text is split into words (lower-cased, light plural folding); Chinese, Japanese and
Korean have no spaces, so they become overlapping character bigrams (plus single characters), the
usual way to index CJK without a dictionary.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uac00-\ud7af"  # hangul
)
_WORD = rf"[^\W_{_CJK}]"  # a letter or digit of a script that separates words with spaces
_TOKEN_RE = re.compile(rf"[{_CJK}]+|{_WORD}+(?:[.'’-]{_WORD}+)*", re.UNICODE)
_CJK_RE = re.compile(rf"[{_CJK}]")

STOPWORDS = frozenset(
    "a an and are as at be but by for from has have how i if in into is it its no not of on or our "
    "so that the their them then there these they this to was we what when where which who will "
    "with you your do does should can may must".split()
)


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _fold(word: str) -> str:
    """Light English plural folding: claims -> claim, warranties -> warranty (not 'glass')."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def is_cjk(text: str) -> bool:
    return bool(_CJK_RE.match(text))


def tokens(text: str) -> list[str]:
    """Index terms: folded words (stop words dropped) and CJK character unigrams + bigrams."""
    out: list[str] = []
    for match in _TOKEN_RE.finditer(normalize(text)):
        run = match.group()
        if is_cjk(run):
            out.extend(run)
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
        elif run not in STOPWORDS:
            out.append(_fold(run.replace("’", "'")))
    return out


def char_ngrams(text: str, sizes: tuple[int, ...] = (3, 4)) -> list[str]:
    """Character n-grams of each Latin word (padded with spaces), for fuzzy matching of word forms."""
    grams: list[str] = []
    for match in _TOKEN_RE.finditer(normalize(text)):
        run = match.group()
        if is_cjk(run) or len(run) < 3:
            continue
        padded = f" {run} "
        for n in sizes:
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams
