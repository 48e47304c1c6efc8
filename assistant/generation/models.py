"""The boundary objects of generation: what was asked, and the draft that came back."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.catalog import Product
from assistant.compliance.models import CheckReport
from assistant.llm.tokens import Usage  # noqa: F401 - part of a draft; lives with token counting


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = "listing"
    brand: str
    product: Product
    lang: str
    market: str
    platform: str | None = None
    segment: str | None = Field(default=None, description="e-mail audience segment")
    angle: str | None = Field(default=None, description="A/B variant angle: benefit, feature, social_proof, offer")
    context: str | None = Field(default=None, description="the review, comment or situation answered")
    mode: Literal["native", "translate"] = "native"
    source_draft_id: int | None = Field(default=None, description="translate mode: the approved source draft")


class Draft(BaseModel):
    """A stored draft. ``fields`` is the schema-valid model output (empty when generation failed)."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    request: DraftRequest
    status: Literal["ok", "failed"] = "ok"
    fields: dict[str, Any] = Field(default_factory=dict)
    raw_output: str = ""
    error: str | None = None
    report: CheckReport = Field(default_factory=CheckReport)
    provider: str
    model: str
    prompt_name: str
    prompt_version: int
    usage: Usage = Field(default_factory=Usage)
    guideline_ids: list[str] = Field(default_factory=list, description="retrieved chunks the prompt used")
    round: int = Field(default=0, description="0 = first draft; n = n-th revision by the reviser chain")
    revision_of: int | None = Field(default=None, description="draft id this one revises")
    rendered: dict[str, Any] = Field(default_factory=dict, description="parts built by code from the fields, "
                                     "e.g. an e-mail's body_html, body_text, footer and suggested send time")
    fixes: list[str] = Field(default_factory=list, description="what post-processing changed (limits, emoji, hashtags)")
    raw_limit_violations: list[str] | None = Field(
        default=None, description="hard limits the model's own reply broke, before shortening and trimming "
        "(None: not recorded, drafts stored before this field existed)")
