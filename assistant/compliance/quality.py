"""Obvious quality failures a weak model produces: empty or placeholder fields, field names or
prompt text echoed into copy, copy not in the requested language."""

from __future__ import annotations

import functools
import re
from collections import Counter

from assistant.compliance.models import Finding
from assistant.locales import Language

# TBD/TODO only in capitals: "todo" is Spanish and Portuguese for "all"
PLACEHOLDER = re.compile(
    r"lorem ipsum|(?-i:\bTBD\b|\bTODO\b)|\[[^\]]{0,40}\]|\{\{?[^}]{0,40}\}?\}|<insert[^>]{0,80}>|\bxxx{1,40}\b|"
    r"^[ \t]{0,20}(?:n/?a|none|null|string|text|example)[ \t\n]{0,20}$",
    re.IGNORECASE,
)
# Allowed template tokens (e.g. the unsubscribe link placeholder of a legal footer).
ALLOWED_PLACEHOLDERS = re.compile(r"\{\{\s*(unsubscribe_url|first_name)\s*\}\}")
ECHO = re.compile(
    r"\b(meta_title|meta_description|image_alt_text|search_keywords|bullet_points?|json)\b|"
    r"PRODUCT FACTS|LENGTH LIMITS|BRAND GUIDELINES|Reply with one JSON|You are a senior|"
    r"\bmax(?:imum)? \d{1,9} (?:characters|bytes|width units)|\b\d{1,9}-\d{1,9} items\b|"
    r"^[ \t]{0,20}(title|description|bullets?|brand|positioning|audience|voice|do|don't)[ \t]{0,20}:",
    re.IGNORECASE | re.MULTILINE,
)
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
LETTERS = re.compile(r"[^\W\d_]+")  # counted as runs: one regex match per character is slow
CJK_RUNS = re.compile(f"{CJK.pattern}+")
MIN_LETTERS_FOR_LANGID = 30
LANGID_SAMPLE = 300  # characters classified: enough to tell, and fast
MIN_PROBABILITY = 0.9
KANJI_ONLY_AMBIGUOUS = 40  # CJK characters


SUSPECT = re.compile(f"{PLACEHOLDER.pattern}|{ECHO.pattern}", re.IGNORECASE | re.MULTILINE)


# literal text without which neither PLACEHOLDER nor ECHO can match (checked before the regexes)
CLUES = ("lorem", "tbd", "todo", "[", "{", "<insert", "xxx", "_", "json", "product facts", "length limits",
         "brand guidelines", "reply with", "you are a", "max", "items", "title", "description", "bullet", "brand:",
         "positioning", "audience", "voice:", "do:", "don't:")
SHORT_FIELD = 12  # a field this short may be a bare placeholder (n/a, none, null, ...)


URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
NO_URL_FIELDS = ("title", "meta_title", "image_alt_text", "bullets", "headline", "subject", "preheader")


def check_texts(parts: list[tuple[str, int, str | None]]) -> list[Finding]:
    """``check_quality`` for many (text, offset, field) parts; one scan when nothing looks suspect."""
    joined = "\n".join([text for text, _, _ in parts]).lower()
    found = _urls(parts) if ("http" in joined or "www." in joined) else []
    if any(clue in joined for clue in CLUES) and SUSPECT.search(joined):
        return found + [f for text, offset, field in parts for f in check_quality(text, offset, field)]
    return found + [f for text, offset, field in parts if len(text.strip()) <= SHORT_FIELD
                    for f in check_quality(text, offset, field)]


def _urls(parts: list[tuple[str, int, str | None]]) -> list[Finding]:
    """A link where copy belongs (title, ALT text, bullets, headlines) is model output gone wrong."""
    return [_finding("quality.url", offset + m.start(), offset + m.end(), field,
                     f"A link stands where copy belongs: '{m.group(0)[:60]}'", "Replace it with copy", m.group(0))
            for text, offset, field in parts if (field or "").startswith(NO_URL_FIELDS)
            for m in URL.finditer(text)]


# fields where a bare number or code is legitimate copy
NUMERIC_OK = ("search_keywords", "keywords", "paths", "hashtags", "price", "cta", "call_to_action", "url")
HAS_LETTER = re.compile(r"[^\W\d_]")


def check_quality(text: str, offset: int, field: str | None) -> list[Finding]:
    out: list[Finding] = []
    if not text.strip():
        return [_finding("quality.empty", offset, offset, field, "The field is empty", "Write the missing copy")]
    if not HAS_LETTER.search(text) and not (field or "").startswith(NUMERIC_OK):
        return [_finding("quality.no_words", offset, offset + len(text), field,
                         f"The field holds no words, only '{text.strip()[:40]}'", "Write the missing copy",
                         text, severity="error")]
    for m in PLACEHOLDER.finditer(text):
        if ALLOWED_PLACEHOLDERS.fullmatch(m.group(0)):
            continue
        out.append(_finding("quality.placeholder", offset + m.start(), offset + m.end(), field,
                            f"Placeholder text '{m.group(0).strip()}' left in the copy",
                            "Replace it with real copy", m.group(0)))
    for m in ECHO.finditer(text):
        out.append(_finding("quality.echo", offset + m.start(), offset + m.end(), field,
                            f"Field name or prompt text '{m.group(0).strip()}' echoed into the copy",
                            "Remove it", m.group(0)))
    return out


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


# Function words: when the requested language's clearly dominate, the copy is in that language and
# the (slower) statistical identifier is not needed.
STOPWORDS = {
    "en": "the and for with your you our this that from are is to of in on it its".split(),
    "de": "der die das und mit für ist ein eine den dem sie ihr wir auf nicht von zu im".split(),
    "fr": "le la les et pour avec est un une des du vous votre nous sur dans au ne pas".split(),
    "es": "el los las y para con es un una del que tu su por al se más muy sin entre cuando".split(),
    "it": "il lo la gli le e per con è un una del che di della sono nel alla non".split(),
    "pt": "o os as e com é um uma do da que em no na não seu você são pelo".split(),
}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _dominant_stopwords(sample: str, langid: str) -> bool:
    if langid not in STOPWORDS:
        return False
    found = Counter(map(_STOP_LANG.get, WORD.findall(sample.lower())))
    own = found[langid]
    return own >= 3 and own >= 2 * max(found[code] for code in _STOP_SETS if code != langid)


_STOP_SETS = {  # only the words no other listed language shares
    code: frozenset(w for w in words if not any(w in other for c, other in STOPWORDS.items() if c != code))
    for code, words in STOPWORDS.items()
}
_STOP_LANG = {w: code for code, words in _STOP_SETS.items() for w in words}  # the sets are disjoint


def detect_language(text: str) -> tuple[str | None, float]:
    """(langid code, probability); ``None`` when the text is too short to tell."""
    text = text[:LANGID_SAMPLE]
    cjk = len(text) - len(CJK_RUNS.sub("", text))
    if cjk and cjk / len(text) > 0.3:  # then more than 0.3 of the letters too (no more letters than characters)
        return _cjk_language(text)
    letters = len(text) - len(LETTERS.sub("", text))
    if letters < MIN_LETTERS_FOR_LANGID and not cjk:
        return None, 0.0
    if cjk and cjk / max(1, letters) > 0.3:
        return _cjk_language(text)
    code, prob = _identifier().classify(text[:LANGID_SAMPLE])
    return code, float(prob)


def _cjk_language(text: str) -> tuple[str, float]:
    if HANGUL.search(text):
        return "ko", 1.0
    if KANA.search(text):
        return "ja", 1.0
    return "zh", 1.0


LATIN_FOR_CJK_TARGET = 20  # Latin letters in copy meant to be Chinese, Japanese or Korean


def check_language(text: str, lang: Language) -> list[Finding]:
    """One finding for the whole draft when it is not in the requested language."""
    if lang.cjk and not CJK.search(text):
        latin = len(text) - len(LETTERS.sub("", text))
        if latin >= LATIN_FOR_CJK_TARGET:  # not one CJK character: certain, whatever the identifier says
            return [_finding(
                "quality.wrong_language", 0, 0, None,
                f"The copy has no {lang.name} characters at all", f"Regenerate in {lang.name} or translate it",
                severity="error",
            )]
    if _dominant_stopwords(text[:LANGID_SAMPLE], lang.langid):
        return []
    found, prob = detect_language(text)
    if found is None or found == lang.langid or prob < MIN_PROBABILITY:
        return []
    if lang.langid == "ja" and found == "zh" and len(CJK.findall(text)) < KANJI_ONLY_AMBIGUOUS:
        return []  # short copy in kanji only reads the same in Japanese and Chinese
    return [_finding(
        "quality.wrong_language", 0, 0, None,
        f"The copy reads as '{found}' (p={prob:.2f}), not {lang.name} as requested",
        f"Regenerate in {lang.name} or translate it", severity="error",
    )]


def _finding(rule_id, start, end, field, message, suggestion, matched=None, severity="warning") -> Finding:
    return Finding(category="quality", rule_id=rule_id, severity=severity, start=start, end=end,
                   message=message, suggestion=suggestion, field=field, matched=matched,
                   source="Brand Content Assistant quality checks")
