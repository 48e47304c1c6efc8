"""Terms that must survive generation and translation: the brand kit's do-not-translate names
(masked before translation, restored after) and glossary terms per language pair (stated in the
prompt, verified after). Also whether a draft is in the requested language, as the checker judges it."""

from __future__ import annotations

import re
from typing import Any, Iterable

from assistant.brand import BrandKit
from assistant.compliance.models import Finding
from assistant.channels.fields import walk_fields
from assistant.locales import Language
from assistant.locales.identify import identify

TOKEN = "⟦{}⟧"
SOURCE = "Brand kit (knowledge/<brand>/brand.yaml)"


def texts(fields: dict[str, Any], skip: Iterable[str] = ()) -> list[str]:
    """Every string in a draft's fields (list items included), in order."""
    return [field.text for field in walk_fields(fields, skip)]


def _pattern(term: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)")


def _map_strings(value: Any, fn) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    return value


def mask_terms(fields: dict[str, Any], terms: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Replace each do-not-translate term with a token ``⟦n⟧`` (longest terms first)."""
    mapping: dict[str, str] = {}
    ordered = sorted(set(terms), key=len, reverse=True)

    def mask(text: str) -> str:
        for term in ordered:
            if _pattern(term).search(text):
                token = mapping.setdefault(term, TOKEN.format(len(mapping) + 1))
                text = _pattern(term).sub(token, text)
        return text

    masked = {k: _map_strings(v, mask) for k, v in fields.items()}
    return masked, {token: term for term, token in mapping.items()}


def unmask_terms(fields: dict[str, Any], tokens: dict[str, str]) -> dict[str, Any]:
    def unmask(text: str) -> str:
        for token, term in tokens.items():
            text = text.replace(token, term)
        return text

    return {k: _map_strings(v, unmask) for k, v in fields.items()}


def glossary_pairs(brand: BrandKit, source_lang: str, target_lang: str) -> dict[str, str]:
    """Glossary terms for a language pair, ``{source term: target term}``, from the brand kit's
    ``glossary_for(source, target)`` (entries with ``source`` and ``target``)."""
    accessor = getattr(brand, "glossary_for", None)
    if source_lang == target_lang or not callable(accessor):
        return {}
    found = accessor(source_lang, target_lang)
    entries = getattr(found, "entries", found) or []
    pairs = {}
    for entry in entries:
        src, tgt = (entry.get("source"), entry.get("target")) if isinstance(entry, dict) else (entry.source, entry.target)
        if src and tgt:
            pairs[str(src)] = str(tgt)
    return pairs


def term_findings(source_fields: dict[str, Any], fields: dict[str, Any], do_not_translate: list[str],
                  glossary: dict[str, str]) -> list[Finding]:
    """A do-not-translate term or a glossary term in the source that the output lacks."""
    source = "\n".join(texts(source_fields))
    output = "\n".join(texts(fields))
    out = []
    for term in do_not_translate:
        if _pattern(term).search(source) and not _pattern(term).search(output):
            out.append(_finding("generation.do_not_translate", f"'{term}' must stay exactly as written",
                                f"Keep '{term}' untranslated", term))
    for src, tgt in glossary.items():
        if re.search(rf"(?<!\w){re.escape(src)}(?!\w)", source, re.I) and tgt.lower() not in output.lower():
            out.append(_finding("generation.glossary", f"the glossary translates '{src}' as '{tgt}', which is missing",
                                f"Use '{tgt}' for '{src}'", src))
    return out


def language_matches(fields: dict[str, Any], language: Language, skip: Iterable[str] = ()) -> bool | None:
    """Whether a draft's prose is in ``language`` (and script), judged exactly as the checker judges it
    (``assistant.locales.identify``); ``None`` when it cannot tell."""
    return identify("\n".join(texts(fields, skip)), language).ok


def _finding(rule_id: str, message: str, suggestion: str, matched: str) -> Finding:
    return Finding(category="brand_term", rule_id=rule_id, severity="error", start=0, end=0, message=message,
                   suggestion=suggestion, matched=matched, source=SOURCE)
