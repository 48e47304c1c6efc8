"""What the checker returns. Field order and names are part of the ``review`` CLI contract."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]
Category = Literal[
    "absolute_claim", "unsubstantiated_superlative", "medical_claim", "environmental_claim",
    "guarantee_claim", "price_claim", "false_urgency", "missing_ad_disclosure",
    "missing_unsubscribe", "missing_postal_address", "length_limit", "excessive_caps_punct",
    "personal_attributes", "pii", "competitor_disparagement", "discriminatory",
    "unsupported_claim", "brand_term", "quality",
]
SEVERITY_WEIGHT = {"error": 25, "warning": 8, "info": 2}


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    rule_id: str
    severity: Severity
    start: int = Field(ge=0, description="character offset in the checked text (or field)")
    end: int = Field(ge=0)
    message: str
    suggestion: str | None = None
    field: str | None = Field(default=None, description="e.g. title, bullets[2]")
    source: str | None = Field(default=None, description="law article or policy URL")
    matched: str | None = None
    replacement: str | None = Field(default=None, description="exact text to put at start:end (auto-fix)")
    model_judged: bool = False


_FINDING_FIELDS = ("category", "rule_id", "severity", "start", "end", "message", "suggestion", "field", "source",
                   "matched", "replacement", "model_judged")  # the order of ``trusted_finding``'s arguments
assert tuple(Finding.model_fields) == _FINDING_FIELDS, "update trusted_finding with Finding's fields"


def trusted_finding(category: str, rule_id: str, severity: str, start: int, end: int, message: str,
                    suggestion: str | None, field: str | None, source: str | None, matched: str | None,
                    replacement: str | None) -> Finding:
    """A ``Finding`` from values that are valid already (they come from validated rules): what
    ``Finding.model_construct`` builds with every field given, without its per-field bookkeeping."""
    values = dict(zip(_FINDING_FIELDS, (category, rule_id, severity, start, end, message, suggestion, field,
                                        source, matched, replacement, False)))
    finding = object.__new__(Finding)
    object.__setattr__(finding, "__dict__", values)
    object.__setattr__(finding, "__pydantic_fields_set__", set(_FINDING_FIELDS))
    object.__setattr__(finding, "__pydantic_extra__", None)
    object.__setattr__(finding, "__pydantic_private__", None)
    return finding


class CheckReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    findings: list[Finding] = Field(default_factory=list)
    score: int = 100

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out


def score_for(findings: list[Finding]) -> int:
    return max(0, 100 - sum(SEVERITY_WEIGHT[f.severity] for f in findings))
