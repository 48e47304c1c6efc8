"""Optional model-judged pass: any provider reviews grey areas after the deterministic rules.

Findings are marked ``model_judged`` and are never errors (a model alone does not block approval).
A reply that does not fit the schema yields one info finding, never a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.compliance.document import Document
from assistant.compliance.models import Category, Finding
from assistant.llm import LLMHandle
from assistant.locales import Language

PROMPTS = Path(__file__).resolve().parent / "prompts"
JUDGE_CATEGORIES = ["absolute_claim", "unsubstantiated_superlative", "medical_claim", "environmental_claim",
                    "guarantee_claim", "price_claim", "false_urgency", "personal_attributes",
                    "competitor_disparagement", "discriminatory", "unsupported_claim"]


class JudgedFinding(BaseModel):
    model_config = ConfigDict(extra="ignore")

    category: Category
    quote: str = Field(min_length=1)
    message: str
    suggestion: str | None = None
    severity: Literal["warning", "info"] = "warning"


class Judgement(BaseModel):
    model_config = ConfigDict(extra="ignore")

    findings: list[JudgedFinding] = Field(default_factory=list)


class ModelJudge:
    def __init__(self, llm: LLMHandle):
        from assistant.llm.prompts import PromptLibrary

        self.llm = llm
        self.prompt = PromptLibrary(PROMPTS).get("compliance_review")

    def review(self, doc: Document, language: Language, market: str, channel: str,
               found: list[Finding]) -> list[Finding]:
        from assistant.llm.structured import run_structured

        source = f"model review ({self.llm.provider}/{self.llm.model_name}, prompt {self.prompt.name} v{self.prompt.version})"
        already = "\n".join(f"- {f.category}: {f.matched or f.message}" for f in found) or "(nothing)"
        out = run_structured(self.prompt, self.llm, Judgement, {
            "language": f"{language.name} ({language.code})", "market": market, "channel": channel,
            "copy": doc.text, "already_found": already, "categories": ", ".join(JUDGE_CATEGORIES),
        })
        if out.result.parsed is None:
            return [Finding(category="quality", rule_id="model.review_failed", severity="info", start=0, end=0,
                            message=f"The model review did not return valid findings: {out.result.error}",
                            source=source, model_judged=True)]
        return [self._locate(j, doc, source) for j in out.result.parsed.findings
                if j.category in JUDGE_CATEGORIES]

    @staticmethod
    def _locate(j: JudgedFinding, doc: Document, source: str) -> Finding:
        """Place the quote in the copy; a quote the copy does not contain gets an empty span."""
        for seg in doc.segments:
            at = seg.text.find(j.quote)
            if at == -1:
                at = seg.text.lower().find(j.quote.lower())
            if at != -1:
                return Finding(category=j.category, rule_id=f"model.{j.category}", severity=j.severity,
                               start=seg.offset + at, end=seg.offset + at + len(j.quote), field=seg.label,
                               message=j.message, suggestion=j.suggestion, source=source, matched=j.quote,
                               model_judged=True)
        return Finding(category=j.category, rule_id=f"model.{j.category}", severity="info", start=0, end=0,
                       message=f"{j.message} (quoted text not found in the copy: {j.quote!r})",
                       suggestion=j.suggestion, source=source, matched=None, model_judged=True)
