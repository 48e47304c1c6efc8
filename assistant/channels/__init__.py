"""Channel and platform field specs (data in ``specs.yaml``), shared by generation and the checker."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.datafiles import packaged_yaml
from assistant.errors import ConfigError, InputError

Count = Literal["chars", "cjk2", "bytes", "x"]


class FieldLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    recommended_items: int | None = None  # house practice (generation keeps at most this many)
    count: Count = "chars"
    joined: str | None = None  # a list field whose items are measured joined by this separator
    soft: bool = False  # a recommendation (truncation), not a hard platform limit: a warning
    source: str | None = None


class ChannelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    fields: dict[str, FieldLimit]
    platforms: dict[str, dict[str, dict]] = {}

    def limits(self, platform: str | None = None) -> dict[str, FieldLimit]:
        """Field limits for a platform: channel defaults overridden by the platform's entries."""
        if platform and platform not in self.platforms:
            raise InputError(
                f"unknown platform '{platform}' for this channel",
                fix=f"use one of: {', '.join(self.platforms) or '(none)'}",
            )
        out = dict(self.fields)
        for name, override in (self.platforms.get(platform or "", {}) or {}).items():
            base = out.get(name, FieldLimit()).model_dump(exclude_unset=True)
            out[name] = FieldLimit(**{**base, **override})
        return out


@functools.lru_cache(maxsize=1)
def channel_specs() -> dict[str, ChannelSpec]:
    path = "assistant/channels/specs.yaml"
    raw = packaged_yaml("assistant.channels", "specs.yaml")
    specs = {}
    for name, body in raw.items():
        try:
            specs[name] = ChannelSpec.model_validate(body)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            raise ConfigError(f"{err['msg']}", where=f"{path}: {name}.{key}") from exc
    return specs


def channel_spec(channel: str) -> ChannelSpec:
    specs = channel_specs()
    if channel not in specs:
        raise InputError(f"unknown channel '{channel}'", fix=f"use one of: {', '.join(specs)}")
    return specs[channel]


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
X_URL_LENGTH = 23


def measure(text: str, count: Count = "chars") -> int:
    """Length of ``text`` the way a platform counts it."""
    if count == "x":  # X/Twitter: every URL counts 23, a CJK/full-width character 2
        urls = URL.findall(text)
        return measure(URL.sub("", text), "cjk2") + X_URL_LENGTH * len(urls)
    if count == "bytes":
        return len(text.encode("utf-8"))
    if count == "cjk2":
        return sum(2 if is_wide(ch) else 1 for ch in text)
    return len(text)


SENTENCE_END = re.compile(r"[.!?。！？؟](?:\s|$)|[。！？]")
CLAUSE_END = re.compile(r"[,;:、，；：](?:\s|$)|[、，；：]")
WORD_END = re.compile(r"\S(?=\s)")
TRAILING = " \t\n,;:、，；：-–—/|&"


def trim_to_limit(text: str, max_len: int, count: str = "chars") -> str:
    """The longest start of ``text`` within ``max_len``, cut at the best boundary available."""
    if measure(text, count) <= max_len:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits
        mid = (lo + hi + 1) // 2
        if measure(text[:mid], count) <= max_len:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    for boundary in (SENTENCE_END, CLAUSE_END, WORD_END):
        ends = [m.end() for m in boundary.finditer(cut)]
        if boundary is WORD_END and text[lo:lo + 1].isspace():
            ends.append(lo)  # the cut itself falls between two words
        if ends and ends[-1] >= len(cut) * 0.5:
            keep = cut[: ends[-1]]
            return keep.rstrip() if boundary is SENTENCE_END else keep.rstrip(TRAILING)
    return cut.rstrip(TRAILING) or cut
