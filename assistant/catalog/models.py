from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Product(BaseModel):
    """One product. ``facts`` holds everything copy may claim (material, size, certifications, ...)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # lengths the database stores (assistant/storage/tables.py): checked here, before any model is paid for
    sku: str = Field(min_length=1, max_length=120, description="stock-keeping unit, unique per brand")
    name: str = Field(min_length=1, max_length=300)
    brand: str | None = Field(default=None, max_length=80)
    category: str | None = None
    description: str | None = None
    features: list[str] = Field(default_factory=list)
    facts: dict[str, str] = Field(default_factory=dict)
    keywords: list[str] = Field(default_factory=list)
    price: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    image_url: str | None = None

    @field_validator("facts", mode="before")
    @classmethod
    def _stringify_facts(cls, value):
        if isinstance(value, dict):
            return {str(k): (", ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in value.items()}
        return value

    def fact_lines(self) -> list[str]:
        lines = [f"Product name: {self.name}"]
        if self.category:
            lines.append(f"Category: {self.category}")
        if self.description:
            lines.append(f"About: {self.description}")
        lines += [f"{k.replace('_', ' ').capitalize()}: {v}" for k, v in self.facts.items()]
        if self.features:
            lines.append("Features: " + "; ".join(self.features))
        if self.price is not None:
            lines.append(f"Price: {self.price:g} {self.currency or ''}".rstrip())
        return lines
