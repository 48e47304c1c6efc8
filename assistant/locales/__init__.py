"""Languages and markets we write for (data in ``languages.yaml``)."""

from __future__ import annotations

import functools
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict

from assistant.errors import InputError


class Language(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    native: str
    script: str
    langid: str
    cjk: bool = False
    rtl: bool = False
    aliases: list[str] = []


@functools.lru_cache(maxsize=1)
def languages() -> dict[str, Language]:
    raw = yaml.safe_load(resources.files("assistant.locales").joinpath("languages.yaml").read_text("utf-8"))
    return {code: Language(code=code, **spec) for code, spec in raw.items()}


@functools.lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, lang in languages().items():
        table[code.lower()] = code
        for alias in lang.aliases:
            table[alias.lower()] = code
    return table


def resolve_language(code: str, *, where: str | None = None) -> Language:
    """``'zh'`` -> zh-Hans, ``'pt'`` -> pt-BR; an unknown code is an ``InputError`` listing valid ones."""
    key = (code or "").strip().replace("_", "-").lower()
    found = _lookup().get(key) or _lookup().get(key.replace("-", "_"))
    if not found:
        raise InputError(
            f"unknown language code '{code}'",
            where=where,
            fix=f"use one of: {', '.join(languages())}",
        )
    return languages()[found]


MARKETS = {
    "US": "United States", "UK": "United Kingdom", "GB": "United Kingdom", "EU": "European Union",
    "DE": "Germany", "FR": "France", "ES": "Spain", "IT": "Italy", "NL": "Netherlands",
    "JP": "Japan", "KR": "South Korea", "CN": "Mainland China", "TW": "Taiwan", "HK": "Hong Kong",
    "BR": "Brazil", "MX": "Mexico", "CA": "Canada", "AU": "Australia", "SA": "Saudi Arabia",
    "AE": "United Arab Emirates", "SG": "Singapore",
}


def resolve_market(code: str, *, where: str | None = None) -> str:
    key = (code or "").strip().upper()
    if key not in MARKETS:
        raise InputError(
            f"unknown market '{code}'", where=where, fix=f"use one of: {', '.join(MARKETS)}"
        )
    return "UK" if key == "GB" else key
