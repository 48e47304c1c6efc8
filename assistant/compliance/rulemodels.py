"""Rule types as data models. A rule file (``rules/*.yaml``) is a pack of these.

Every rule has an id, a category, a severity, a message, a source (law article or policy URL),
where it applies (languages, markets, channels, platforms, fields) and examples that must and must
not trigger it; the examples run as tests. A new rule type = a model here + a check function in
``checks.py`` (or ``terms.py`` for term lists) + examples.

Terms are literal phrases matched case-insensitively on folded text (full-/half-width and
Traditional/Simplified folded). In spaced scripts a term must sit on word boundaries; a trailing
``*`` lets the word continue (``guarantee*`` matches guaranteed, guarantees). Patterns are Python
regular expressions run on the folded (lower-case) text.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from assistant.channels import Count
from assistant.compliance.linear import FIX as LINEAR_FIX, problems
from assistant.compliance.models import Category, Severity

MARKET_GROUPS = {
    "EU": ["EU", "DE", "FR", "ES", "IT", "NL", "AT", "BE", "IE", "PL", "PT", "SE", "DK", "FI"],
    "EEA": ["EU", "DE", "FR", "ES", "IT", "NL", "AT", "BE", "IE", "PL", "PT", "SE", "DK", "FI", "NO"],
    "CN": ["CN"],
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Example(_Strict):
    """An example text and, when it matters, the context to check it in."""

    text: str
    lang: str | None = None
    market: str | None = None
    channel: str | None = None
    platform: str | None = None
    facts: dict[str, Any] | None = None


def _examples(value: Any) -> Any:
    if isinstance(value, list):
        return [{"text": v} if isinstance(v, str) else v for v in value]
    return value


def _check_regexes(values: list[str], info: ValidationInfo) -> list[str]:
    """Valid and linear-time (``linear.py``): a rule must not stall the checker on a hostile text.
    The packs shipped in the package (context ``shipped``) are checked by the tests instead
    (``test_linear_checker``, ``test_rules``): that analysis is most of the start-up of ``review``."""
    if (info.context or {}).get("shipped"):
        return values
    for v in values:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {v!r}: {exc}") from exc
        if slow := problems(v):
            raise ValueError(f"regular expression {v!r} can take super-linear time: {'; '.join(slow)}; {LINEAR_FIX}")
    return values


class Condition(_Strict):
    """Something to look for: literal terms and/or regular expressions."""

    terms: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)

    _regexes = field_validator("patterns")(_check_regexes)

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.terms and not self.patterns:
            raise ValueError("give at least one of 'terms' or 'patterns'")
        return self


class RuleBase(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    category: Category
    severity: Severity
    message: str = Field(min_length=1)
    suggestion: str | None = None
    source: str = Field(min_length=1)
    languages: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    markets: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    exclude_markets: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    platforms: list[str] | None = None
    fields: list[str] | None = None  # only these fields (e.g. [title, headlines]); None = all text
    grounded: bool = Field(default=False, description="stand down when product facts are given "
                           "(grounding then checks the claim against the facts)")
    must_trigger: list[Example] = Field(min_length=1)
    must_not_trigger: list[Example] = Field(min_length=1)
    pack: str = ""
    _cache: dict = PrivateAttr(default_factory=dict)  # compiled patterns, filled on first use

    _ex = field_validator("must_trigger", "must_not_trigger", mode="before")(_examples)

    @field_validator("markets", "exclude_markets")
    @classmethod
    def _expand_groups(cls, v: list[str]) -> list[str]:
        out: list[str] = []
        for m in v:
            out += MARKET_GROUPS.get(m, [m])
        return out

    def applies(self, lang: str, market: str, channel: str, platform: str | None) -> bool:
        return (
            ("*" in self.languages or lang in self.languages)
            and ("*" in self.markets or market in self.markets) and market not in self.exclude_markets
            and ("*" in self.channels or channel in self.channels)
            and (self.platforms is None or platform in self.platforms)
        )

    def wants_field(self, field: str | None) -> bool:
        return self.fields is None or field in self.fields


class ExistenceRule(RuleBase):
    type: Literal["existence"]
    terms: list[str] = Field(min_length=1)
    exceptions: list[str] = Field(default_factory=list, description="contexts in which a term is fine")


class SubstitutionRule(RuleBase):
    type: Literal["substitution"]
    swap: dict[str, str] = Field(min_length=1, description="term -> preferred wording (the auto-fix)")
    exceptions: list[str] = Field(default_factory=list)


class PatternRule(RuleBase):
    type: Literal["pattern"]
    patterns: list[str] = Field(min_length=1)
    exceptions: list[str] = Field(default_factory=list, description="regexes; a match inside one is fine")
    anchors: list[str] = Field(default_factory=list, description="literal text one of which must occur "
                               "for the patterns to run (a speed-up; folded, lower-case)")
    prefilter: str | None = Field(default=None, description="a cheap regex the document must match before "
                                  "the patterns run (a speed-up where no literal anchor exists)")

    _regexes = field_validator("patterns", "exceptions")(_check_regexes)

    @field_validator("prefilter")
    @classmethod
    def _prefilter(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _check_regexes([v], info)[0] if v else v


class OccurrenceRule(RuleBase):
    type: Literal["occurrence"]
    measure: Literal["hashtags", "exclamations", "caps_words", "caps_ratio", "repeated_punct", "pattern"]
    max: float = Field(ge=0)
    pattern: str | None = None
    scope: Literal["field", "document"] = "field"
    min_letters: int = Field(default=0, ge=0, description="caps_ratio: only texts with this many letters")

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _check_regexes([v], info)[0] if v else v

    @model_validator(mode="after")
    def _pattern_needed(self):
        if self.measure == "pattern" and not self.pattern:
            raise ValueError("measure 'pattern' needs a 'pattern'")
        return self


class RequiredRule(RuleBase):
    type: Literal["required"]
    any_of: Condition
    fix: Literal["unsubscribe", "postal_address", "ad_label"] | None = None
    min_chars: int = Field(default=0, ge=0, description="only documents at least this long")


class ConditionalRule(RuleBase):
    type: Literal["conditional"]
    when: Condition
    require: Condition | None = Field(default=None, description="must be present too (else a finding)")
    forbid: Condition | None = Field(default=None, description="must not be present too (else a finding)")
    within: Literal["sentence", "field", "document"] = "document"
    exceptions: list[str] = Field(default_factory=list, description="regexes; a trigger inside one is fine")
    anchors: list[str] = Field(default_factory=list, description="literal text one of which must occur for "
                               "'when.patterns' to run (a speed-up; 'when.terms' are anchors already)")

    _regexes = field_validator("exceptions")(_check_regexes)

    @model_validator(mode="after")
    def _one_consequence(self):
        if (self.require is None) == (self.forbid is None):
            raise ValueError("give exactly one of 'require' or 'forbid'")
        return self


class FamilyRule(RuleBase):
    """A claim family: a trigger word (verb, quantifier, authority noun) near an object word
    (condition, body part, germ, competitor) in the same sentence, both from lexicons. Terms match
    like term rules; a trailing ``*`` lets a word run on (inflection: ``heil*`` heilt, heilen), a
    leading ``*`` lets it start inside a word (German compounds: ``*schmerz*`` Gelenkschmerzen).
    CJK terms match as substrings, so no tokeniser is needed for ja/zh."""

    type: Literal["family"]
    triggers: list[str] = Field(min_length=1)
    objects: list[str] = Field(min_length=1)
    gap: int = Field(default=40, ge=0, le=200, description="most characters between trigger and object")
    order: Literal["trigger_first", "object_first", "any"] = "trigger_first"
    anchor_on: Literal["triggers", "objects"] = Field(default="triggers", description="the rarer side: its "
                                                       "words must occur for the rule to run (a speed-up)")
    within: Literal["sentence", "line"] = Field(default="sentence", description="'line': a question and its "
                                                "answer pair up too ('Brand X? Overpriced junk.')")
    exceptions: list[str] = Field(default_factory=list, description="regexes; a trigger or object inside a "
                                  "match does not count (say in a comment which general context each names)")

    _regexes = field_validator("exceptions")(_check_regexes)


class PersonalDataRule(RuleBase):
    """A person's name together with an identifier (e-mail, phone, street address, order or customer
    number, ID, birth date, age) on one line: personal data of an identifiable person
    (``assistant/privacy/people.py``)."""

    type: Literal["personal_data"]
    window: int = Field(default=90, ge=10, le=300, description="most characters from the name to an identifier")


class LimitRule(RuleBase):
    type: Literal["limit"]
    spec: bool = Field(default=False, description="take limits from assistant/channels/specs.yaml")
    max: int | None = Field(default=None, ge=1)
    count: Count = "chars"

    @model_validator(mode="after")
    def _one_source(self):
        if self.spec == (self.max is not None):
            raise ValueError("give either 'spec: true' or 'max' (with 'fields')")
        if self.max is not None and not self.fields:
            raise ValueError("a 'max' limit needs 'fields'")
        return self


Rule = Annotated[
    ExistenceRule | SubstitutionRule | PatternRule | OccurrenceRule | RequiredRule | ConditionalRule | LimitRule
    | FamilyRule | PersonalDataRule,
    Field(discriminator="type"),
]
TermLike = ExistenceRule | SubstitutionRule


def anchors_of(rule) -> list[str] | None:
    """Literal text one of which must occur for the rule to be worth running; None: always run."""
    if isinstance(rule, PatternRule):
        return rule.anchors or None
    if isinstance(rule, FamilyRule):
        return [t.strip("*").strip() for t in (rule.objects if rule.anchor_on == "objects" else rule.triggers)]
    if isinstance(rule, ConditionalRule):
        if rule.when.patterns and not rule.anchors:
            return None
        return [t.rstrip("*").strip() for t in rule.when.terms] + rule.anchors
    return None


class RulePack(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    defaults: dict[str, Any] = Field(default_factory=dict)
    rules: list[dict[str, Any]] = Field(min_length=1)
