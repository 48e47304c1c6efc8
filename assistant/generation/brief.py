"""Prompt variables for every kind: product facts (with the market's units), brand kit, market
conventions, limits, retrieved guidelines, and the kind-specific BRIEF (platform, angle, segment,
emoji and hashtag rules, the review/comment/situation being answered)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.brand import BrandKit
from assistant.catalog import Product
from assistant.channels import FieldLimit
from assistant.generation.email import get_segment
from assistant.generation.kinds import Kind
from assistant.generation.schemas import limits_text
from assistant.generation.variants import ANGLES
from assistant.locales import Language, Market
from assistant.locales.formats import babel_locale, conventions_text, convert_units
from assistant.privacy import prompt_safe_product, redact
from assistant.retrieval import Passage, passages_block

EMOJI_RULES = {
    "none": "Emoji: none at all.",
    "sparingly": "Emoji: at most one, only where it adds meaning.",
    "free": "Emoji: allowed where they fit the platform.",
}


@dataclass
class Request:
    """What one generation is asked for, resolved (language and market objects, chosen platform)."""

    kind: Kind
    product: Product
    brand: BrandKit
    language: Language
    market: Market
    platform: str | None = None
    segment: str | None = None
    angle: str | None = None
    context: str | None = None
    avoid: list[str] = field(default_factory=list)  # texts a variant must clearly differ from
    source: object | None = None  # translate mode: the approved source Draft
    support: list[str] = field(default_factory=list)  # retrieved guideline texts: count as claim support

    @property
    def limits(self) -> dict[str, FieldLimit]:
        return self.kind.limits(self.platform)


def product_block(product: Product, market: Market, language: Language) -> str:
    locale = babel_locale(language, market)
    return "\n".join(convert_units(line, market, locale) for line in product.fact_lines())


def brief_block(req: Request, *, allow_customer_data: bool = False) -> str:
    lines = [f"Content: {req.kind.description}"]
    if req.platform:
        lines.append(f"Platform: {req.platform}")
    if req.kind.name == "email":
        segment = get_segment(req.segment)
        lines.append(f"Segment: {segment.name}. {segment.brief}")
    if req.angle:
        lines.append(f"Angle: {req.angle} - {ANGLES[req.angle]}")
    lines.append(EMOJI_RULES[req.brand.emoji_policy])
    hashtags = req.limits.get("hashtags")
    if hashtags:
        most = min(filter(None, [hashtags.max_items, hashtags.recommended_items]), default=5)
        lines.append(f"Hashtags: at most {most}, each one word starting with #, relevant to the product.")
    if req.kind.disclosure:
        lines.append(f"Sponsored content: the disclosure {req.language.ad_disclosure} is always shown.")
    if req.brand.disclaimers and req.kind.family in ("listing", "email"):
        lines.append("Disclaimers you may need: " + " ".join(req.brand.disclaimers))
    if req.kind.context:
        text = (req.context or "").strip() or "(none given)"
        lines.append(f"The {req.kind.context} to answer:\n{text if allow_customer_data else redact(text)}")
    if req.avoid:
        lines.append("Must clearly differ in wording and idea from these earlier variants:\n"
                     + "\n".join(f"- {a[:200]}" for a in req.avoid))
    return "\n".join(lines)


def brand_block(brand: BrandKit, language: Language) -> str:
    """The kit's prompt block for the language (banned terms and glossary included)."""
    return brand.prompt_block(language.code)


def variables(req: Request, passages: list[Passage], *, allow_customer_data: bool = False) -> dict[str, str]:
    """Everything a prompt may show the model. Customer data (facts such as ``customer_email``, and
    e-mail addresses or phone numbers in any text) is removed unless the settings allow it."""
    product = prompt_safe_product(req.product, allow_customer_data=allow_customer_data)
    return {
        "language": f"{req.language.name} ({req.language.native})",
        "market": f"{req.market.name} ({req.market.code})",
        "conventions": conventions_text(req.language, req.market, product.price, product.currency),
        "brand": brand_block(req.brand, req.language),
        "product": product_block(product, req.market, req.language),
        "limits": limits_text(req.limits) or "(none)",
        "guidelines": passages_block(passages),
        "brief": brief_block(req, allow_customer_data=allow_customer_data),
        "context": _context(req, allow_customer_data),  # for completion prompts (the brief holds it too)
    }


def _context(req: Request, allow_customer_data: bool) -> str:
    text = (req.context or "").strip() if req.kind.context else ""
    return text if allow_customer_data else redact(text)
