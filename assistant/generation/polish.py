"""Deterministic clean-up after the model: the brand's emoji policy, hashtags within platform rules
(normalised, deduplicated, the ad disclosure first, counted into the caption's limit), URL handles."""

from __future__ import annotations

import re
from typing import Any

from assistant.channels import FieldLimit, measure
from assistant.generation.kinds import Kind
from assistant.generation.limits import trim_to_limit
from assistant.locales import Language

EMOJI = re.compile(
    "(?:[\U0001F1E6-\U0001F1FF]{2}"  # flags
    "|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u3030\u303D\u3297\u3299]"
    "(?:\uFE0F|[\U0001F3FB-\U0001F3FF])?(?:\u200D[\U0001F000-\U0001FAFF\u2600-\u27BF]\uFE0F?)*)"
)
LEADING_SPACE_EMOJI = re.compile(r"[ \t]?(?:" + EMOJI.pattern + ")")  # removed with the space before it
HASHTAG_JUNK = re.compile(r"[^\w]+", re.UNICODE)
CAPTION_GAP = "\n\n"


def apply_emoji_policy(fields: dict[str, Any], policy: str) -> list[str]:
    """``none``: strip every emoji; ``sparingly``: at most one per field; ``free``: leave. In place."""
    if policy == "free":
        return []
    keep = 0 if policy == "none" else 1
    removed = 0

    def clean(text: str) -> str:
        seen = 0

        def repl(m: re.Match) -> str:
            nonlocal seen, removed
            seen += 1
            if seen > keep:
                removed += 1
                return ""
            return m.group(0)

        out = LEADING_SPACE_EMOJI.sub(repl, text)
        return out.strip() if out != text else text

    for name, value in fields.items():
        if isinstance(value, str):
            fields[name] = clean(value)
        elif isinstance(value, list):
            fields[name] = [clean(v) if isinstance(v, str) else v for v in value]
    return [f"removed {removed} emoji (brand emoji policy: {policy})"] if removed else []


def normalise_hashtags(tags: list[str]) -> list[str]:
    """``'# Bamboo board!'`` -> ``'#Bambooboard'``; no duplicates (case-insensitive), no bare numbers."""
    out, seen = [], set()
    for tag in tags:
        body = HASHTAG_JUNK.sub("", EMOJI.sub("", tag.lstrip("#＃ ")))
        if not body or body.isdigit() or body.lower() in seen:
            continue
        seen.add(body.lower())
        out.append("#" + body)
    return out


def caption_with_hashtags(caption: str, tags: list[str]) -> str:
    return caption + (CAPTION_GAP + " ".join(tags) if tags else "")


def polish(kind: Kind, fields: dict[str, Any], *, language: Language, emoji_policy: str) -> list[str]:
    """Everything that does not need the model, before limits are enforced. In place."""
    fixes = apply_emoji_policy(fields, emoji_policy)
    if isinstance(fields.get("hashtags"), list):
        tags = normalise_hashtags(fields["hashtags"])
        if kind.disclosure:
            disclosure = language.ad_disclosure
            tags = [disclosure] + [t for t in tags if t.lower() != disclosure.lower()]
            if disclosure not in fields["hashtags"]:
                fixes.append(f"hashtags: added the ad disclosure {disclosure}")
        if tags != fields["hashtags"]:
            fixes.append("hashtags: normalised (one word each, starting with #, no duplicates)")
        fields["hashtags"] = tags
    if isinstance(fields.get("url_handle"), str):
        handle = HASHTAG_JUNK.sub("-", fields["url_handle"].lower()).strip("-_")
        if handle != fields["url_handle"]:
            fixes.append("url_handle: made lowercase words joined by hyphens")
        fields["url_handle"] = handle or "product"
    return fixes


def fit_hashtags(kind: Kind, fields: dict[str, Any], limits: dict[str, FieldLimit]) -> list[str]:
    """Hashtags are published inside the caption, so they count towards its limit: drop tags from
    the end (never the disclosure) until caption + tags fit; trim the caption if even that fails."""
    field = kind.caption_field
    limit = limits.get(field or "")
    tags = fields.get("hashtags")
    if not field or limit is None or not limit.max or not isinstance(tags, list):
        return []
    fixes = []
    floor = 1 if kind.disclosure and tags else 0
    dropped = 0
    while len(tags) > floor and measure(caption_with_hashtags(fields[field], tags), limit.count) > limit.max:
        tags = tags[:-1]
        dropped += 1
    if dropped:
        fixes.append(f"hashtags: dropped {dropped} so that {field} with hashtags fits {limit.max} {limit.count}")
    room = limit.max - measure(caption_with_hashtags("", tags), limit.count)
    if measure(fields[field], limit.count) > room:
        fields[field] = trim_to_limit(fields[field], max(room, 0), limit.count)
        fixes.append(f"{field}: trimmed to leave room for the hashtags")
    fields["hashtags"] = tags
    return fixes
