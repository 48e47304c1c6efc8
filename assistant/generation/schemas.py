"""What the model must return, per content kind. Length limits live in channel specs (data) and are
added to the JSON schema the model sees (``with_limits``), so constrained decoding respects them;
validation stays lenient on length so an over-long field becomes a checker finding, not a lost draft.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.channels import FieldLimit


class ProductListing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="product title: brand, product type, key attribute")
    bullets: list[str] = Field(min_length=3, max_length=5, description="3-5 benefit-led bullet points")
    description: str = Field(description="2-4 short paragraphs")
    meta_title: str = Field(description="SEO meta title")
    meta_description: str = Field(description="SEO meta description")
    image_alt_text: str = Field(description="ALT text for the main product photo")
    search_keywords: list[str] = Field(min_length=1, max_length=20, description="search keywords")


SCHEMAS: dict[str, type[BaseModel]] = {"listing": ProductListing}


def with_limits(schema: type[BaseModel], limits: dict[str, FieldLimit]) -> type[BaseModel]:
    """A subclass whose JSON schema carries maxLength/maxItems from the channel's limits."""

    def inject(js: dict[str, Any]) -> None:
        for name, prop in js.get("properties", {}).items():
            if prop.get("type") == "string":
                prop["minLength"] = 1  # constrained decoders must not return an empty field
            elif prop.get("type") == "array" and prop.get("items", {}).get("type") == "string":
                prop["items"]["minLength"] = 1
            limit = limits.get(name)
            if limit is None:
                continue
            if prop.get("type") == "array":
                if limit.max_items:
                    prop["maxItems"] = min(limit.max_items, prop.get("maxItems", limit.max_items))
                if limit.min_items:
                    prop["minItems"] = max(limit.min_items, prop.get("minItems", 0))
                if limit.max and not limit.joined and limit.count == "chars":
                    prop.setdefault("items", {})["maxLength"] = limit.max
            elif limit.max and limit.count == "chars":
                prop["maxLength"] = limit.max
            if limit.max:
                prop["description"] = f"{prop.get('description', '')} (max {limit.max} {_unit(limit)})".strip()

    config = ConfigDict(**{**schema.model_config, "json_schema_extra": inject})
    return type(schema.__name__, (schema,), {"model_config": config, "__module__": schema.__module__})


def _unit(limit: FieldLimit) -> str:
    return {"bytes": "bytes", "cjk2": "width units", "chars": "characters"}[limit.count]


def limits_text(limits: dict[str, FieldLimit]) -> str:
    lines = []
    for name, limit in limits.items():
        parts = []
        if limit.max:
            parts.append(f"max {limit.max} {_unit(limit)}" + (" in total" if limit.joined else " each" if limit.max_items else ""))
        if limit.min_items or limit.max_items:
            parts.append(f"{limit.min_items or 1}-{limit.max_items or 'n'} items")
        if parts:
            lines.append(f"- {name}: " + ", ".join(parts))
    return "\n".join(lines)
