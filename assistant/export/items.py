"""What an export is made from: one content item at one version, with what the files need."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.catalog import Product
from assistant.compliance.models import CheckReport
from assistant.generation.models import Usage


class ExportItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: int
    version: int
    status: str
    kind: str
    brand: str
    sku: str
    lang: str
    market: str
    platform: str | None = None
    product: Product
    fields: dict[str, Any]
    report: CheckReport = Field(default_factory=CheckReport)
    provider: str | None = None
    model: str | None = None
    prompt: str | None = None
    usage: Usage | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    html: str | None = Field(default=None, description="the e-mail rendered with the brand's template")

    @property
    def approved(self) -> bool:
        return self.status in ("approved", "exported")

    def text(self, name: str) -> str:
        value = self.fields.get(name, "")
        return "; ".join(map(str, value)) if isinstance(value, list) else str(value or "")

    def texts(self, name: str) -> list[str]:
        value = self.fields.get(name) or []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def slug(text: str, limit: int = 80) -> str:
    """A URL handle / file name: ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-") or "item"


class RenderContext(BaseModel):
    """Options every renderer receives; platform formats use the ones that apply to them."""

    model_config = ConfigDict(extra="forbid")

    unapproved: bool = False
    campaign: str | None = None
    ad_group: str | None = None
    final_url: str | None = Field(default=None, description="template with {sku}, {handle}, {lang}")
