"""Auto-fix: proposed edits for findings that can be fixed mechanically, as a unified diff.

Nothing is applied here: the reviewer sees the diff and accepts or rejects it.
Fixable: substitutions (a finding with a ``replacement``), a field over its limit (trimmed at a
sentence or word boundary, CJK-aware), a missing unsubscribe line or postal address (from the brand
kit's legal footer) and a missing ad label (prepended in the copy's language).
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from assistant.channels import FieldLimit, channel_spec, trim_to_limit  # the same trimming generation uses
from assistant.compliance.models import CheckReport, Finding

if TYPE_CHECKING:
    from assistant.brand import BrandKit

AD_LABEL = {"zh-Hans": "广告 ", "zh-Hant": "廣告 ", "ja": "【PR】", "de": "Anzeige | ", "fr": "Publicité | ",
            "es": "Publicidad | ", "it": "Pubblicità | ", "pt-BR": "Publicidade | ", "ko": "광고 "}


class Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: int
    end: int
    replacement: str
    rule_id: str
    reason: str


class FixProposal(BaseModel):
    """What the reviewer is shown: the edits, the resulting text and a unified diff."""

    model_config = ConfigDict(extra="forbid")

    original: str
    proposed: str
    edits: list[Edit] = Field(default_factory=list)
    not_fixable: list[str] = Field(default_factory=list, description="rule ids that need a human")

    @property
    def diff(self) -> str:
        def lines(text: str) -> list[str]:
            return [line if line.endswith("\n") else line + "\n" for line in text.splitlines(keepends=True)]

        return "".join(difflib.unified_diff(lines(self.original), lines(self.proposed),
                                            fromfile="original", tofile="proposed"))


def _match_case(original: str, replacement: str) -> str:
    if original[:1].isupper() and replacement[:1].islower():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _absorb_repeated_words(text: str, start: int, end: int, replacement: str) -> tuple[int, int]:
    """Widen the span ``text[start:end]`` over the words around it that ``replacement`` already says at
    that edge, so replacing "eco-friendly" in "eco-friendly bamboo board" with "made from FSC-certified
    bamboo" gives "made from FSC-certified bamboo board", not "... bamboo bamboo board"."""
    words = replacement.split()
    for k in range(len(words), 0, -1):  # the replacement's last k words start the text after the span
        seam = re.match(r"\s*" + r"\s+".join(map(re.escape, words[-k:])) + r"(?!\w)", text[end:], re.IGNORECASE)
        if seam:
            end += seam.end()
            break
    for k in range(len(words), 0, -1):  # the replacement's first k words end the text before the span
        seam = re.search(r"(?<!\w)" + r"\s+".join(map(re.escape, words[:k])) + r"\s*$", text[:start], re.IGNORECASE)
        if seam:
            start = seam.start()
            break
    return start, end


def _limit_for(f: Finding, channel: str, platform: str | None) -> FieldLimit | None:
    spec = channel_spec(channel)
    limits = spec.limits(platform if platform in spec.platforms else None)
    name = f.rule_id.removeprefix("limit.")
    return limits.get(name) if f.rule_id.startswith("limit.") and not f.rule_id.endswith(".items") else None


def edits_for(text: str, report: CheckReport, *, lang: str, channel: str, platform: str | None,
              brand: BrandKit | None, fix_kinds: dict[str, str]) -> tuple[list[Edit], list[str]]:
    """Edits for the findings on ``text`` (spans are offsets in ``text``) and the rule ids left over."""
    edits: list[Edit] = []
    left: list[str] = []
    footer: list[str] = []
    for f in report.findings:
        kind = fix_kinds.get(f.rule_id)
        limit = _limit_for(f, channel, platform)
        if f.replacement is not None and f.end <= len(text):
            end = f.end + (1 if f.replacement == "" and text[f.end:f.end + 1] == " " else 0)
            start, end = _absorb_repeated_words(text, f.start, end, f.replacement)
            edits.append(Edit(start=start, end=end, replacement=_match_case(text[start:end], f.replacement),
                              rule_id=f.rule_id, reason=f.message))
        elif limit is not None and limit.max and f.end <= len(text):
            trimmed = trim_to_limit(text[f.start:f.end], limit.max, limit.count)
            edits.append(Edit(start=f.start, end=f.end, replacement=trimmed, rule_id=f.rule_id,
                              reason=f"trimmed to {limit.max} {limit.count}"))
        elif kind == "ad_label":
            if any(e.start == e.end == 0 for e in edits):
                continue  # one label is enough when several rules ask for it
            edits.append(Edit(start=0, end=0, replacement=AD_LABEL.get(lang, "#ad "), rule_id=f.rule_id,
                              reason=f.message))
        elif kind in ("unsubscribe", "postal_address") and brand and brand.legal_footer:
            lf = brand.legal_footer
            line = lf.unsubscribe if kind == "unsubscribe" else f"{lf.company}, {lf.postal_address}"
            footer.append(line)
        else:
            left.append(f.rule_id)
    if footer:  # one edit appends the missing footer lines
        sep = "" if text.endswith("\n") else "\n"
        edits.append(Edit(start=len(text), end=len(text), replacement=sep + "\n".join(footer),
                          rule_id="legal_footer", reason="add the brand's legal footer (unsubscribe, postal address)"))
    return edits, left


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """Apply non-overlapping edits right to left; an edit overlapping an earlier one is skipped."""
    chosen: list[Edit] = []
    taken = -1
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < taken:
            continue
        chosen.append(e)
        taken = max(e.end, taken)
    out = text
    for e in reversed(chosen):
        out = out[:e.start] + e.replacement + out[e.end:]
    return out, chosen


def propose(text: str, report: CheckReport, *, lang: str, channel: str, platform: str | None,
            brand: BrandKit | None, fix_kinds: dict[str, str]) -> FixProposal:
    edits, left = edits_for(text, report, lang=lang, channel=channel, platform=platform, brand=brand,
                            fix_kinds=fix_kinds)
    proposed, chosen = apply_edits(text, edits)
    return FixProposal(original=text, proposed=proposed, edits=chosen, not_fixable=sorted(set(left)))
