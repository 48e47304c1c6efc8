"""Every content kind: its schema, prompt file, channel spec (limits), family and inputs.

A new kind = a schema in ``schemas.py`` (``SCHEMAS``) + a prompt file in ``prompts/`` + a channel in
``assistant/channels/specs.yaml`` + one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from assistant.channels import FieldLimit, channel_spec
from assistant.errors import InputError
from assistant.generation import schemas as s

Family = Literal["listing", "ad", "email", "social", "script", "reply"]


@dataclass(frozen=True)
class Kind:
    name: str
    family: Family
    description: str
    channel: str = ""  # channel spec key; default: the kind's name
    default_platform: str | None = None
    platform_schemas: dict[str, type[BaseModel]] = field(default_factory=dict)
    caption_field: str | None = None  # the text a `hashtags` list is published with
    context: str | None = None  # the input a kind answers: a review, a comment, a situation
    disclosure: bool = False  # sponsored content: the language's ad-disclosure hashtag is required

    @property
    def schema(self) -> type[BaseModel]:
        return s.SCHEMAS[self.name]

    @property
    def prompt(self) -> str:
        return self.name

    @property
    def spec_name(self) -> str:
        return self.channel or self.name

    def platforms(self) -> list[str]:
        return list(channel_spec(self.spec_name).platforms)

    def platform_for(self, platform: str | None) -> str | None:
        chosen = platform or self.default_platform
        if chosen and chosen not in self.platforms():
            raise InputError(f"unknown platform '{chosen}' for {self.name}",
                             fix=f"use one of: {', '.join(self.platforms()) or '(none: omit --platform)'}")
        return chosen

    def schema_for(self, platform: str | None) -> type[BaseModel]:
        return self.platform_schemas.get(platform or "", self.schema)

    def limits(self, platform: str | None) -> dict[str, FieldLimit]:
        names = set(self.schema_for(platform).model_fields)
        return {k: v for k, v in channel_spec(self.spec_name).limits(platform).items() if k in names}


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("listing", "listing", "Marketplace listing: title, bullets, description, SEO, ALT, keywords"),
    Kind("product_page", "listing", "Independent-site (Shopify) product page", default_platform="shopify"),
    Kind("search_ad", "ad", "Google responsive search ad: 15 headlines, 4 descriptions, 2 paths",
         default_platform="google_ads"),
    Kind("social_ad", "ad", "Meta or TikTok ad: primary text, headline, description, CTA",
         default_platform="meta"),
    Kind("email", "email", "Marketing e-mail per segment: subject, preheader, HTML + text, CTA"),
    Kind("social_post", "social", "Organic social post with hashtags", default_platform="instagram",
         platform_schemas={"youtube": s.TitledSocialPost, "pinterest": s.TitledSocialPost}, caption_field="text"),
    Kind("influencer_post", "social", "Sponsored post for an influencer, with ad disclosure",
         default_platform="instagram", platform_schemas={"youtube": s.TitledSocialPost},
         caption_field="text", disclosure=True),
    Kind("kol_brief", "social", "Brief for an influencer (KOL) collaboration",
         default_platform="instagram", caption_field="sample_caption", disclosure=True),
    Kind("video_script", "script", "Short-video script: hook, scenes, overlays, caption",
         default_platform="tiktok", caption_field="caption"),
    Kind("livestream_script", "script", "Livestream selling script", default_platform="tiktok"),
    Kind("review_reply", "reply", "Public reply to a customer review", context="review"),
    Kind("comment_reply", "reply", "Reply to a comment on a social post", context="comment"),
    Kind("crisis_statement", "reply", "Holding statement for an incident", context="situation"),
]}


def get_kind(name: str) -> Kind:
    if name not in KINDS:
        raise InputError(f"unknown content kind '{name}'", fix=f"use one of: {', '.join(KINDS)}")
    return KINDS[name]
