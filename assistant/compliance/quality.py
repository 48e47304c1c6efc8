"""Obvious quality failures a weak model produces: empty or placeholder fields, field names or
prompt text echoed into copy, copy not in the requested language."""

from __future__ import annotations

import re

from assistant.compliance.models import Finding
from assistant.locales import Language
from assistant.locales.identify import identify

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


def check_language(text: str, lang: Language) -> list[Finding]:
    """One finding for the whole draft when it is not in the requested language (or script)."""
    verdict = identify(text, lang)
    if verdict.ok is not False:
        return []
    fix = (f"Rewrite it in {'Simplified' if lang.script == 'Hans' else 'Traditional'} Chinese characters"
           if verdict.rule == "quality.wrong_script" else f"Regenerate in {lang.name} or translate it")
    return [_finding(verdict.rule, 0, 0, None, verdict.why, fix, severity="error")]


def _finding(rule_id, start, end, field, message, suggestion, matched=None, severity="warning") -> Finding:
    return Finding(category="quality", rule_id=rule_id, severity=severity, start=start, end=end,
                   message=message, suggestion=suggestion, field=field, matched=matched,
                   source="Brand Content Assistant quality checks")
