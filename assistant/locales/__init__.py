"""Languages and markets we write for (data in ``languages.yaml`` and ``markets.yaml``)."""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import BaseModel, ConfigDict

from assistant.datafiles import packaged_yaml
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
    ad_disclosure: str = "#ad"


@functools.lru_cache(maxsize=1)
def languages() -> dict[str, Language]:
    raw = packaged_yaml("assistant.locales", "languages.yaml")
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


class Market(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    locale: str
    currency: str
    units: Literal["metric", "imperial"]
    timezone: str
    languages: list[str] = []
    aliases: list[str] = []


@functools.lru_cache(maxsize=1)
def markets() -> dict[str, Market]:
    raw = packaged_yaml("assistant.locales", "markets.yaml")
    return {code: Market(code=code, **spec) for code, spec in raw.items()}


def get_market(code: str, *, where: str | None = None) -> Market:
    """A market by code or alias (``GB`` -> ``UK``); an unknown code is an ``InputError``."""
    key = (code or "").strip().upper()
    for market in markets().values():
        if key == market.code or key in market.aliases:
            return market
    raise InputError(f"unknown market '{code}'", where=where, fix=f"use one of: {', '.join(markets())}")


def resolve_market(code: str, *, where: str | None = None) -> str:
    return get_market(code, where=where).code


def default_market(lang: str) -> str:
    """The first market (in ``markets.yaml`` order) whose main language is ``lang``: en -> US, de -> DE."""
    code = resolve_language(lang).code
    return next((m.code for m in markets().values() if m.languages and m.languages[0] == code), "US")
