"""Per-field language check of a draft: a field (title, a bullet, the description, ALT text, a subject
line, a headline) confidently in another language than the draft's gets an error finding that names
the field, so the reviser rewrites that field. The whole-draft check (``quality.check_language``) misses
an English title beside German bullets, because it reads all the prose at once.

Only a draft's fields are judged this way (``Document.from_fields``): pasted copy that mixes languages
keeps the whole-copy check. What is Latin in any language's copy is taken out before a field is judged
(brand names, do-not-translate terms, glossary targets, SKUs and product-line names, numbers and their
units), and a field is flagged only on clear evidence (``field_language.yaml``); a field the checks
cannot classify is never flagged.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable

from pydantic import BaseModel, ConfigDict

from assistant.compliance.document import Document
from assistant.compliance.models import Finding
from assistant.datafiles import packaged_yaml
from assistant.locales import Language
from assistant.locales.identify import CJK, identify

RULE_ID = "quality.field_language"
SOURCE = "Brand Content Assistant quality checks (assistant/compliance/field_language.yaml)"
# a number with its unit (750 ml, 28cm, 2.5 kg, 95%), then any word holding a digit (SKUs, 18/10, USB-C3)
QUANTITY = re.compile(r"\d[\d.,/]*\s?(?:[^\W\d_]{1,3}\b|%|°\s?[CF]?)?")
WITH_DIGIT = re.compile(r"[\w-]*\d[\w-]*")
# a word with two or more capitals: acronyms and product-line names (FSC, USB-C, CoreHeat, StretchFit)
NAMED = re.compile(r"(?<![\w-])(?=(?:[\w-]*[A-Z]){2})[\w][\w-]*")
WORD = re.compile(r"[^\W\d_]+")
MIN_WORD = 3  # shorter words (in, of, ml) are no evidence of a language
QUOTE = 80  # characters of the field quoted in the finding


class CopyThreshold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: int
    share: float


class FieldLanguageRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skip_fields: list[str]
    cjk_min_latin_letters: int
    source_copy: list[CopyThreshold]
    min_words: int
    shared_words: dict[str, list[str]]
    langid_min_letters: int
    langid_min_probability: float


@functools.lru_cache(maxsize=1)
def rules() -> FieldLanguageRules:
    return FieldLanguageRules.model_validate(packaged_yaml("assistant.compliance", "field_language.yaml"))


@functools.lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    names = tuple(n for n in names if n.strip())
    if not names:
        return None
    alternation = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def strip_names(text: str, names: Iterable[str]) -> str:
    """``text`` without what is Latin in any language's copy: the names, numbers with units, words with
    a digit or two capitals."""
    pattern = _names_pattern(tuple(names))
    if pattern is not None:
        text = pattern.sub(" ", text)
    return NAMED.sub(" ", WITH_DIGIT.sub(" ", QUANTITY.sub(" ", text)))


def source_words(source: str, lang: Language) -> frozenset[str]:
    """The words of the product facts, when the facts are most likely written in another language than
    ``lang`` (their words left untranslated in the copy are then that language); empty otherwise (also
    when the facts are too short to tell)."""
    verdict = identify(source, lang) if source.strip() else None
    if verdict is None or verdict.ok is True or verdict.found in (None, lang.langid):
        return frozenset()
    return frozenset(w.lower() for w in WORD.findall(source) if len(w) >= MIN_WORD)


def judge(text: str, lang: Language, copied_from: frozenset[str]) -> str | None:
    """Why ``text`` (names already stripped) is confidently not in ``lang``; ``None``: it is, or cannot tell."""
    r = rules()
    latin = [w for w in WORD.findall(text) if not CJK.search(w)]
    if lang.cjk and not CJK.search(text):
        if len(latin) >= r.min_words and sum(map(len, latin)) >= r.cjk_min_latin_letters:
            return f"The field has no {lang.name} characters: '{' '.join(latin[:8])}'"
        return None
    words = [w for w in latin if len(w) >= MIN_WORD]
    if copied_from and not lang.cjk and len(words) >= r.min_words:
        shared = set(r.shared_words.get(lang.langid, ()))
        copied = [w for w in words if w.lower() in copied_from and w.lower() not in shared]
        if any(len(copied) >= t.words and len(copied) >= t.share * len(words) for t in r.source_copy):
            return f"The field repeats the product facts untranslated ('{' '.join(copied[:8])}'), not {lang.name}"
    letters = sum(map(len, WORD.findall(text)))
    if letters < r.langid_min_letters:
        return None
    verdict = identify(text, lang)
    if (verdict.ok is False and verdict.rule == "quality.wrong_language"
            and verdict.probability >= r.langid_min_probability):
        return f"The field reads as '{verdict.found}' (p={verdict.probability:.2f}), not {lang.name}"
    return None


def kept_names(brand, lang: str) -> list[str]:
    """What a draft's fields may hold untranslated in any language: the brand's name, its do-not-translate
    terms and its glossary's terms for ``lang`` (``brand``: a ``BrandKit`` or ``None``)."""
    if brand is None:
        return []
    glossary = [e.target for g in brand.glossary if g.target_lang == lang for e in g.entries]
    return [brand.name, *brand.do_not_translate, *glossary]


def untranslated_words(findings: Iterable[Finding], names: Iterable[str]) -> list[str]:
    """The words (3+ letters, names taken out) of the fields this check flagged: what a rewrite of those
    fields must not copy again."""
    names = tuple(names)
    words = [w for f in findings if f.rule_id == RULE_ID and f.matched
             for w in WORD.findall(strip_names(f.matched, names)) if len(w) >= MIN_WORD and not CJK.search(w)]
    return list(dict.fromkeys(words))


def untranslated_name(name: str, lang: Language, names: Iterable[str], source: str) -> list[str]:
    """The words of a product's ``name`` that copy in ``lang`` would leave untranslated (written in the
    language of the facts ``source``, not names, not spelled alike in ``lang``); empty for CJK languages
    (their script is held by the grammar) and when the facts are in ``lang``."""
    if lang.cjk or not source_words(source, lang):
        return []
    shared = set(rules().shared_words.get(lang.langid, ()))
    words = [w for w in WORD.findall(strip_names(name, tuple(names))) if len(w) >= MIN_WORD]
    return list(dict.fromkeys(w for w in words if w.lower() not in shared))


def check_field_languages(doc: Document, lang: Language, *, names: Iterable[str] = (),
                          source: str = "") -> list[Finding]:
    """An error finding per field of a draft confidently written in another language than ``lang``.
    ``names``: terms kept as they are in every language (brand, do-not-translate, glossary targets);
    ``source``: the product facts the copy was written from."""
    if not doc.from_fields:
        return []
    skip = set(rules().skip_fields)
    names = tuple(names)
    copied_from: frozenset[str] | None = None
    out = []
    for seg in doc.segments:
        if seg.field in skip or not WORD.search(seg.text):
            continue
        if copied_from is None:
            copied_from = source_words(source, lang)
        why = judge(strip_names(seg.text, names), lang, copied_from)
        if why:
            out.append(Finding(
                category="quality", rule_id=RULE_ID, severity="error", start=0, end=len(seg.text),
                field=seg.label, matched=seg.text[:QUOTE], message=why, source=SOURCE,
                suggestion=f"Rewrite this field in {lang.name}; keep only brand and product-line names, "
                           "model numbers and units as they are"))
    return out
