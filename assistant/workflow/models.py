"""What the workflow returns: pydantic views, never ORM rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.catalog import Product
from assistant.compliance.models import CheckReport


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VersionView(_View):
    number: int
    source: str
    author: str | None
    created_at: datetime
    fields: dict[str, Any]
    report: CheckReport
    draft_id: int | None = None
    product: Product | None = Field(default=None, description="the product facts this version was made from")


class DecisionView(_View):
    decision: str
    reviewer: str
    version: int
    comment: str
    override_reason: str | None
    created_at: datetime


class CommentView(_View):
    author: str
    version: int | None
    body: str
    created_at: datetime


class AuditView(_View):
    at: datetime
    actor: str
    actor_mode: str | None = Field(default=None, description="user (signed in), local (single-user mode), system")
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ItemSummary(_View):
    id: int
    kind: str
    brand: str
    sku: str
    lang: str
    market: str
    platform: str | None
    status: str
    version: int
    errors: int
    warnings: int
    title: str
    updated_at: datetime


class ItemView(ItemSummary):
    product: Product = Field(description="the product facts of the current version (its snapshot)")
    created_by: str | None
    created_at: datetime
    lock_version: int
    versions: list[VersionView] = Field(default_factory=list)
    decisions: list[DecisionView] = Field(default_factory=list)
    comments: list[CommentView] = Field(default_factory=list)

    @property
    def current(self) -> VersionView:
        return next(v for v in self.versions if v.number == self.version)

    @property
    def authors(self) -> set[str]:
        return {v.author for v in self.versions if v.author} | ({self.created_by} if self.created_by else set())
