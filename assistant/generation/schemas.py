"""What the model must return, per content kind. Length limits live in channel specs (data) and are
added to the JSON schema the model sees (``with_limits``), so constrained decoding respects them;
validation stays lenient on length so an over-long field becomes a checker finding, not a lost draft.
"""

from __future__ import annotations

from typing import Any, Literal

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


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductPage(_Output):
    title: str = Field(description="product name as the page heading")
    tagline: str = Field(description="one-line promise under the title")
    description: str = Field(description="2-4 short paragraphs")
    highlights: list[str] = Field(min_length=1, description="3-6 short benefit highlights")
    meta_title: str = Field(description="SEO page title")
    meta_description: str = Field(description="SEO meta description")
    url_handle: str = Field(description="URL handle: lowercase words joined by hyphens")


class SearchAd(_Output):
    headlines: list[str] = Field(min_length=1, description="3-15 distinct headlines")
    descriptions: list[str] = Field(min_length=1, description="2-4 descriptions")
    paths: list[str] = Field(default_factory=list, description="0-2 display URL path parts, no spaces")


SocialCTA = Literal["Shop now", "Learn more", "Sign up", "Get offer", "Order now", "Contact us"]


class SocialAd(_Output):
    primary_text: str = Field(description="the ad text above the image or video")
    headline: str = Field(description="short headline under the image")
    description: str = Field(description="one short supporting line")
    call_to_action: SocialCTA = Field(description="the button")


class EmailDraft(_Output):
    subject: str = Field(description="subject line")
    preheader: str = Field(description="preview text shown after the subject")
    headline: str = Field(description="headline at the top of the e-mail")
    body: list[str] = Field(min_length=1, description="1-4 short paragraphs")
    cta: str = Field(description="button text")


class SocialPost(_Output):
    text: str = Field(description="the post text, without hashtags")
    hashtags: list[str] = Field(default_factory=list, description="hashtags, each starting with #")


class TitledSocialPost(SocialPost):
    title: str = Field(description="title of the pin or video")


class KolBrief(_Output):
    campaign_title: str
    objective: str = Field(description="what the collaboration should achieve")
    key_messages: list[str] = Field(min_length=1, description="2-5 messages the creator conveys")
    dos: list[str] = Field(min_length=1, description="things the creator should do")
    donts: list[str] = Field(min_length=1, description="things the creator must not do or say")
    deliverables: list[str] = Field(min_length=1, description="posts, videos, stories to deliver")
    hashtags: list[str] = Field(default_factory=list, description="campaign hashtags")
    sample_caption: str = Field(description="an example caption the creator may adapt")


class VideoScript(_Output):
    title: str
    hook: str = Field(description="what is said and shown in the first 3 seconds")
    scenes: list[str] = Field(min_length=1, description="3-8 scenes: what is shown and said")
    on_screen_text: list[str] = Field(min_length=1, description="short text overlays")
    cta: str = Field(description="closing call to action")
    caption: str = Field(description="post caption, without hashtags")
    hashtags: list[str] = Field(default_factory=list)


class LivestreamScript(_Output):
    title: str = Field(description="stream title")
    opening: str = Field(description="host's welcome and what viewers will see")
    segments: list[str] = Field(min_length=1, description="3-8 talking-point segments: demo, facts")
    faq: list[str] = Field(min_length=1, description="viewer questions with answers from the facts")
    offer_reminder: str = Field(description="reminder of the price or offer as given in the facts")
    closing: str


class ReviewReply(_Output):
    reply: str = Field(description="public reply to the review")
    needs_follow_up: bool = Field(description="true when customer service should contact the reviewer")


class CommentReply(_Output):
    reply: str = Field(description="reply to the comment")


class CrisisStatement(_Output):
    headline: str
    statement: str = Field(description="holding statement: what we know, what we are doing, when we update")
    social_version: str = Field(description="short version for social media")
    next_steps: list[str] = Field(min_length=1, description="concrete next steps we commit to")


SCHEMAS: dict[str, type[BaseModel]] = {
    "listing": ProductListing, "product_page": ProductPage, "search_ad": SearchAd, "social_ad": SocialAd,
    "email": EmailDraft, "social_post": SocialPost, "influencer_post": SocialPost, "kol_brief": KolBrief,
    "video_script": VideoScript, "livestream_script": LivestreamScript, "review_reply": ReviewReply,
    "comment_reply": CommentReply, "crisis_statement": CrisisStatement,
}


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
                prop["description"] = f"{prop.get('description', '')} (max {limit.max} {unit_name(limit)})".strip()

    config = ConfigDict(**{**schema.model_config, "json_schema_extra": inject})
    return type(schema.__name__, (schema,), {"model_config": config, "__module__": schema.__module__})


COMPACT_TEXT = 200  # characters per text in the compact retry
COMPACT_ITEMS = 3


def compact(schema: type[BaseModel]) -> type[BaseModel]:
    """``schema`` (with its limits) where every text is at most ``COMPACT_TEXT`` characters and every
    list at most ``COMPACT_ITEMS`` items (or its minimum): a reply that fits a small token budget, for
    the one retry after a reply that was cut off or did not parse."""
    parent = schema.model_config.get("json_schema_extra")

    def tighten(js: dict[str, Any]) -> None:
        if callable(parent):
            parent(js)
        for prop in js.get("properties", {}).values():
            if prop.get("type") == "string" and "enum" not in prop:
                prop["maxLength"] = min(prop.get("maxLength", COMPACT_TEXT), COMPACT_TEXT)
            elif prop.get("type") == "array":
                prop["maxItems"] = max(prop.get("minItems", 1), min(prop.get("maxItems", COMPACT_ITEMS), COMPACT_ITEMS))
                items = prop.get("items", {})
                if items.get("type") == "string":
                    items["maxLength"] = min(items.get("maxLength", COMPACT_TEXT), COMPACT_TEXT)

    config = ConfigDict(**{**schema.model_config, "json_schema_extra": tighten})
    return type(schema.__name__, (schema,), {"model_config": config, "__module__": schema.__module__})


def unit_name(limit: FieldLimit) -> str:
    return {"bytes": "UTF-8 bytes", "cjk2": "width units (CJK characters count 2)", "chars": "characters",
            "x": "characters as X counts them (CJK 2, links 23)"}[limit.count]


def limits_text(limits: dict[str, FieldLimit]) -> str:
    lines = []
    for name, limit in limits.items():
        parts = []
        if limit.max:
            parts.append(f"max {limit.max} {unit_name(limit)}" + (" in total" if limit.joined else " each" if limit.max_items else ""))
        if limit.min_items or limit.max_items:
            parts.append(f"{limit.min_items or 1}-{limit.max_items or 'n'} items")
        if parts:
            lines.append(f"- {name}: " + ", ".join(parts))
    return "\n".join(lines)
