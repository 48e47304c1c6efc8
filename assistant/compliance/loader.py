"""Load rule packs (``rules/*.yaml``) and brand rules. A malformed file fails with file:line and key."""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING

import yaml
from pydantic import TypeAdapter, ValidationError

from assistant.brand.kit import _line_of  # the YAML line finder brand kits use
from assistant.compliance.rulemodels import Rule, RulePack, SubstitutionRule
from assistant.datafiles import load_yaml
from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.brand import BrandKit

_RULE = TypeAdapter(Rule)
RULES_DIR = "assistant/compliance/rules"


def _error(where: str, node, loc: list, what: str) -> ConfigError:
    line = _line_of(node, loc)
    key = ".".join(str(p) for p in loc) or "(file)"
    return ConfigError(f"key '{key}': {what}", where=f"{where}:{line}" if line else where,
                       fix="see the rule types in assistant/compliance/rulemodels.py")


def _load(where: str, text: str):
    """The YAML data (cached, see ``datafiles.load_yaml``); a syntax error is reported by the
    pure-Python parser (its message and line)."""
    try:
        return load_yaml(text)
    except yaml.YAMLError:
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ConfigError(f"not valid YAML: {exc}", where=f"{where}:{mark.line + 1}" if mark else where) from exc


def parse_pack(where: str, text: str, *, shipped: bool = False) -> list:
    """Rules of one pack file; ``where`` names the file in error messages. The YAML node tree that
    gives line numbers is composed only when there is an error to place. ``shipped``: a pack of the
    package, whose regular expressions the tests check (valid, linear-time) so start-up need not."""
    context = {"shipped": shipped}
    data = _load(where, text)
    node = functools.partial(yaml.compose, text)
    try:
        pack = RulePack.model_validate(data, context=context)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise _error(where, node(), list(err["loc"]), _msg(err)) from exc
    rules = []
    for i, raw in enumerate(pack.rules):
        merged = {**pack.defaults, **raw, "pack": pack.pack}
        try:
            rules.append(_RULE.validate_python(merged, context=context))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = [p for p in err["loc"] if p not in _TYPE_TAGS]
            raise _error(where, node(), ["rules", i, *loc], f"{_msg(err)} (rule {raw.get('id', f'#{i}')})") from exc
    return rules


_TYPE_TAGS = {"existence", "substitution", "pattern", "occurrence", "required", "conditional", "limit", "family", "personal_data"}


def _msg(err: dict) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] == "union_tag_invalid":
        return f"unknown rule type; use one of: {', '.join(sorted(_TYPE_TAGS))}"
    if err["type"] == "union_tag_not_found":
        return f"missing 'type'; use one of: {', '.join(sorted(_TYPE_TAGS))}"
    return err["msg"]


def check_unique(rules: list) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise ConfigError(f"rule id '{rule.id}' is defined twice (packs {seen[rule.id]} and {rule.pack})",
                              where=RULES_DIR, fix="give every rule a unique id")
        seen[rule.id] = rule.pack


@functools.lru_cache(maxsize=1)
def shipped_rules() -> tuple:
    """Every rule of every pack shipped in ``assistant/compliance/rules``."""
    folder = resources.files("assistant.compliance").joinpath("rules")
    rules: list = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            rules += parse_pack(f"{RULES_DIR}/{entry.name}", entry.read_text("utf-8"), shipped=True)
    check_unique(rules)
    return tuple(rules)


def brand_rules(kit: BrandKit) -> tuple:
    """The brand kit's banned terms as substitution rules (one per language), category brand_term."""
    by_lang: dict[str, dict[str, str]] = {}
    reasons: dict[str, list[str]] = {}
    for banned in kit.banned_terms:
        by_lang.setdefault(banned.lang, {})[banned.term] = banned.replacement or ""
        if banned.reason:
            reasons.setdefault(banned.lang, []).append(f"{banned.term}: {banned.reason}")
    rules = []
    for lang, swap in by_lang.items():
        example = next(iter(swap))
        rules.append(SubstitutionRule(
            type="substitution", id=f"brand.{kit.id}.{lang.lower()}.banned_terms", category="brand_term",
            severity="warning", languages=[lang], swap=swap, pack=f"brand:{kit.id}",
            message=f"{kit.name} does not use this term" + (f" ({'; '.join(reasons.get(lang, []))})" if reasons.get(lang) else ""),
            suggestion="Use the brand's preferred wording", source=f"Brand kit knowledge/{kit.id}/brand.yaml: banned_terms",
            must_trigger=[{"text": example}], must_not_trigger=[{"text": kit.name}],
        ))
    return tuple(rules)
