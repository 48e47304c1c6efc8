"""E-mail: audience segments (data in ``segments.yaml``), the HTML part rendered from a Jinja2
template with autoescaping, the plain-text part, the brand kit's legal footer appended by code (never
left to the model), and a suggested send time in the recipients' time zone."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader
from pydantic import BaseModel, ConfigDict, Field

from assistant.brand import BrandKit
from assistant.datafiles import packaged_yaml
from assistant.errors import InputError
from assistant.locales import Language, Market

UNSUBSCRIBE_URL = "{{unsubscribe_url}}"  # merge tags the e-mail service fills in
CTA_URL = "{{cta_url}}"


class SendWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekdays: list[int] = Field(min_length=1)
    hour: int = Field(ge=0, le=23)


class Segment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    brief: str
    send: SendWindow


@functools.lru_cache(maxsize=1)
def segments() -> dict[str, Segment]:
    raw = packaged_yaml("assistant.generation", "segments.yaml")
    return {key: Segment(id=key, **body) for key, body in raw.items()}


def get_segment(name: str | None) -> Segment:
    key = (name or "prospect").strip().lower().replace("-", "_")
    if key not in segments():
        raise InputError(f"unknown e-mail segment '{name}'", where="--segment",
                         fix=f"use one of: {', '.join(segments())}")
    return segments()[key]


def legal_footer(brand: BrandKit):
    if brand.legal_footer is None:
        raise InputError(
            f"brand kit '{brand.id}' has no legal_footer; e-mails need the company, postal address and "
            "an unsubscribe link", where=f"knowledge/{brand.id}/brand.yaml",
            fix="add legal_footer: {company, postal_address, unsubscribe: 'Unsubscribe: {{unsubscribe_url}}'}",
        )
    return brand.legal_footer


def footer_text(brand: BrandKit) -> str:
    footer = legal_footer(brand)
    lines = [footer.company, footer.postal_address]
    if footer.contact_email:
        lines.append(footer.contact_email)
    unsubscribe = footer.unsubscribe if UNSUBSCRIBE_URL in footer.unsubscribe else f"{footer.unsubscribe} {UNSUBSCRIBE_URL}"
    return "\n".join(lines + [unsubscribe])


@functools.lru_cache(maxsize=1)
def _template():
    # Autoescaping explicitly on: every value is model output or brand data.
    env = Environment(loader=PackageLoader("assistant.generation", "templates"), autoescape=True)
    return env.get_template("email.html.j2")


def render_email(fields: dict[str, Any], brand: BrandKit, language: Language) -> dict[str, str]:
    """The HTML and plain-text parts, both ending with the brand kit's legal footer."""
    footer = legal_footer(brand)
    before, _, after = footer.unsubscribe.partition(UNSUBSCRIBE_URL)
    html = _template().render(
        lang=language.code, rtl=language.rtl, brand=brand.name, subject=fields["subject"],
        preheader=fields["preheader"], headline=fields["headline"], body=fields["body"], cta=fields["cta"],
        cta_url=CTA_URL, footer=footer, unsubscribe_url=UNSUBSCRIBE_URL,
        unsubscribe_label=before.rstrip(" :：") or footer.unsubscribe, unsubscribe_after=after,
    )
    text = "\n\n".join([fields["headline"], *fields["body"], f"{fields['cta']}: {CTA_URL}", "--", footer_text(brand)])
    return {"body_html": html, "body_text": text}


def suggest_send_time(market: Market, segment: Segment, now: datetime | None = None) -> datetime:
    """The next slot (at least an hour away) when this segment opens mail, in the market's zone."""
    tz = ZoneInfo(market.timezone)
    earliest = (now or datetime.now(timezone.utc)).astimezone(tz) + timedelta(hours=1)
    for days in range(0, 8):
        day = (earliest + timedelta(days=days)).date()
        if day.weekday() not in segment.send.weekdays:
            continue
        slot = datetime(day.year, day.month, day.day, segment.send.hour, tzinfo=tz)
        if slot >= earliest:
            return slot
    raise AssertionError("unreachable: every week has each weekday")  # pragma: no cover
