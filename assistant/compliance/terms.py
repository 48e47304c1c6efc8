"""Term rules loaded from YAML: one combined pattern per rule, word boundaries for spaced scripts,
substrings with exception contexts for CJK."""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.compliance.models import Category, Finding, Severity
from assistant.errors import ConfigError

CJK_LANGS = {"zh-Hans", "zh-Hant", "ja", "ko"}


class TermRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    category: Category
    severity: Severity
    languages: list[str]
    message: str
    suggestion: str | None = None
    source: str
    terms: list[str] = Field(min_length=1)
    exceptions: list[str] = Field(default_factory=list)
    must_trigger: list[str] = Field(min_length=1)
    must_not_trigger: list[str] = Field(min_length=1)

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        cjk = bool(set(self.languages) & CJK_LANGS)
        alts = sorted((re.escape(t) for t in self.terms), key=len, reverse=True)
        body = "|".join(alts)
        if cjk:
            return re.compile(body, re.IGNORECASE)
        return re.compile(rf"(?<![\w#])(?:{body})(?!\w)", re.IGNORECASE)

    @functools.cached_property
    def exception_pattern(self) -> re.Pattern[str] | None:
        if not self.exceptions:
            return None
        alts = sorted((re.escape(t) for t in self.exceptions), key=len, reverse=True)
        return re.compile("|".join(alts), re.IGNORECASE)

    def find(self, text: str, offset: int = 0, field: str | None = None) -> list[Finding]:
        excluded: list[tuple[int, int]] = []
        if self.exception_pattern is not None:
            excluded = [m.span() for m in self.exception_pattern.finditer(text)]
        out = []
        for m in self.pattern.finditer(text):
            if any(s <= m.start() < e for s, e in excluded):
                continue
            out.append(
                Finding(
                    category=self.category, rule_id=self.id, severity=self.severity,
                    start=offset + m.start(), end=offset + m.end(), message=self.message,
                    suggestion=self.suggestion, source=self.source, field=field, matched=m.group(0),
                )
            )
        return out


def load_rule_file(path: Path | str, text: str) -> list[TermRule]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", where=str(path)) from exc
    rules = []
    for i, raw in enumerate((data or {}).get("rules", [])):
        try:
            rules.append(TermRule.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            rid = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
            raise ConfigError(f"rule {rid}: key '{key}': {err['msg']}", where=str(path)) from exc
    return rules


@functools.lru_cache(maxsize=1)
def shipped_rules() -> tuple[TermRule, ...]:
    folder = resources.files("assistant.compliance").joinpath("rules")
    rules: list[TermRule] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            rules += load_rule_file(f"assistant/compliance/rules/{entry.name}", entry.read_text("utf-8"))
    return tuple(rules)
