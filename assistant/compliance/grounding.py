"""Grounding: factual claims in the copy must be traceable to the product's facts.

Claims are quantities (numbers with units, dimensions, fractions such as 1-9/16"), materials,
certifications and origin ("made in ..."). A claim is supported when the facts, or any extra
support text (e.g. a retrieved brand guideline), state the same thing: the same quantity after unit
conversion (2.5 % tolerance), the same material or certification in any language, the same country.
What is not supported is flagged ``unsupported_claim`` for the reviewer.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from assistant.compliance.document import Document
from assistant.compliance.models import Finding
from assistant.compliance.normalize import fold
from assistant.compliance.terms import Lexicon
from assistant.datafiles import packaged_yaml

SOURCE = ("Product facts (grounding). FTC Act s.5 / EU UCPD Art. 6 (misleading actions) / "
          "《广告法》第二十八条 (虚假广告): every factual claim needs a basis")
# bounded repeats: a number has at most 9 digits a part, a range or size at most 6 parts (linear time)
_NUM = r"\d{1,9}[-\s]\d{1,9}/\d{1,9}|\d{1,9}/\d{1,9}|\d{1,9}(?:[.,]\d{1,9})?"
_SEP = r"\s{0,3}(?:x|×|\*|-|~|to|bis|à|a|至|〜)\s{0,3}"
# unit -> (dimension, factor to the base unit); order matters only for readability
UNITS: dict[str, tuple[str, float]] = {
    "mm": ("len", 1), "毫米": ("len", 1), "cm": ("len", 10), "厘米": ("len", 10), "公分": ("len", 10),
    "m": ("len", 1000), "米": ("len", 1000), "in": ("len", 25.4), "inch": ("len", 25.4), "inches": ("len", 25.4),
    '"': ("len", 25.4), "英寸": ("len", 25.4), "zoll": ("len", 25.4), "pouces": ("len", 25.4),
    "pulgadas": ("len", 25.4), "ft": ("len", 304.8), "feet": ("len", 304.8), "foot": ("len", 304.8),
    "ml": ("vol", 1), "毫升": ("vol", 1), "l": ("vol", 1000), "liter": ("vol", 1000), "litre": ("vol", 1000),
    "liters": ("vol", 1000), "litres": ("vol", 1000), "升": ("vol", 1000), "fl oz": ("vol", 29.57),
    "qt": ("vol", 946.4), "quart": ("vol", 946.4), "quarts": ("vol", 946.4), "cups": ("vol", 236.6),
    "g": ("mass", 1), "克": ("mass", 1), "kg": ("mass", 1000), "千克": ("mass", 1000), "公斤": ("mass", 1000),
    "lb": ("mass", 453.6), "lbs": ("mass", 453.6), "pounds": ("mass", 453.6), "oz": ("oz", 1),
    "w": ("power", 1), "watt": ("power", 1), "watts": ("power", 1), "瓦": ("power", 1), "kw": ("power", 1000),
    "v": ("volt", 1), "mah": ("charge", 1), "°c": ("temp", 1), "°f": ("tempf", 1), "度": ("temp", 1),
    "%": ("pct", 1), "ply": ("ply", 1), "layers": ("ply", 1), "layer": ("ply", 1), "层": ("ply", 1),
    "pcs": ("count", 1), "pieces": ("count", 1), "piece": ("count", 1), "stück": ("count", 1),
    "teile": ("count", 1), "pièces": ("count", 1), "piezas": ("count", 1), "件": ("count", 1), "件套": ("count", 1),
    "hours": ("time", 1), "hour": ("time", 1), "hrs": ("time", 1), "h": ("time", 1), "stunden": ("time", 1),
    "heures": ("time", 1), "horas": ("time", 1), "小时": ("time", 1), "時間": ("time", 1),
    "minutes": ("time", 1 / 60), "min": ("time", 1 / 60), "minuten": ("time", 1 / 60), "分钟": ("time", 1 / 60),
    "days": ("time", 24), "day": ("time", 24), "tage": ("time", 24), "tagen": ("time", 24), "jours": ("time", 24),
    "días": ("time", 24), "天": ("time", 24), "日間": ("time", 24),
    "months": ("time", 720), "month": ("time", 720), "monate": ("time", 720), "monaten": ("time", 720),
    "mois": ("time", 720), "meses": ("time", 720), "个月": ("time", 720), "ヶ月": ("time", 720), "か月": ("time", 720),
    "years": ("time", 8760), "year": ("time", 8760), "jahre": ("time", 8760), "jahren": ("time", 8760),
    "ans": ("time", 8760), "años": ("time", 8760), "年": ("time", 8760),
}
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
QUANTITY = re.compile(
    rf"(?<![\w.,/])(?P<nums>(?:{_NUM})(?:{_SEP}(?:{_NUM})){{0,5}})\s{{0,3}}-?\s{{0,3}}(?P<unit>{_UNIT_ALT})(?![a-z])", re.IGNORECASE
)
NUMBER = re.compile(_NUM)
DISCOUNT_AFTER = re.compile(r"\s{0,3}(?:off|rabatt|de descuento|de réduction|de remise|sconto|折|オフ|引き)", re.I)
_KEY_UNIT = re.compile(r"_(mm|cm|m|in|ml|l|g|kg|lb|oz|w|v|mah|c|f|pct|h|hours|days|months|years)$")
TOLERANCE = 0.025


@dataclass(frozen=True)
class Vocab:
    materials: Lexicon
    certifications: Lexicon
    countries: Lexicon
    origin: Lexicon
    negations_before: tuple[str, ...]
    negations_after: tuple[str, ...]


@functools.lru_cache(maxsize=2)
def vocab(chinese: bool) -> Vocab:
    data = packaged_yaml("assistant.compliance", "grounding.yaml")

    def lex(section: str) -> Lexicon:
        return Lexicon({alias: name for name, aliases in data[section].items() for alias in aliases}, chinese)

    origin = {p: "before" for p in data["origin_before"]} | {p: "after" for p in data["origin_after"]}
    return Vocab(lex("materials"), lex("certifications"), lex("countries"), Lexicon(origin, chinese),
                 tuple(data["negations_before"]), tuple(data["negations_after"]))


def _value(num: str) -> float:
    num = num.strip().replace(",", ".")
    mixed = re.fullmatch(r"(\d{1,9})[-\s](\d{1,9})/(\d{1,9})", num)
    if mixed:
        return int(mixed.group(1)) + int(mixed.group(2)) / max(1, int(mixed.group(3)))
    if "/" in num:
        a, b = num.split("/")
        return float(Fraction(int(a), max(1, int(b))))
    return float(num)


def _base(value: float, unit: str) -> list[tuple[str, float]]:
    dim, factor = UNITS[unit.lower()]
    if dim == "oz":  # ounces may be weight or volume
        return [("mass", value * 28.35), ("vol", value * 29.57), ("oz", value)]
    if dim == "tempf":
        return [("temp", (value - 32) * 5 / 9)]
    return [(dim, value * factor)]


def quantities(text: str) -> list[tuple[int, int, list[tuple[str, float]]]]:
    """(start, end, candidate base values) of each number-with-unit in folded text."""
    out = []
    for m in QUANTITY.finditer(text):
        unit = m.group("unit").lower()
        if unit == "%" and DISCOUNT_AFTER.match(text, m.end()) or (m.start() > 0 and text[m.start() - 1] in "-−"):
            continue
        nums = list(NUMBER.finditer(m.group("nums")))
        if unit == "年" and any(_value(n.group(0)) >= 1900 for n in nums):
            continue  # a date (2025年), not a duration
        values = [b for n in nums for b in _base(_value(n.group(0)), unit)]
        out.append((m.start(), m.end(), values))
    return out


def facts_text(facts: dict[str, Any] | None, support: list[str] | None = None) -> str:
    """Facts as 'key: value' lines (a numeric value gets the unit its key names: weight_g -> g)."""
    lines = []
    for key, value in (facts or {}).items():
        rendered = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        unit = _KEY_UNIT.search(str(key).lower())
        if unit and isinstance(value, (int, float)):
            rendered = f"{value} {dict(c='°c', f='°f', pct='%').get(unit.group(1), unit.group(1))}"
        lines.append(f"{str(key).replace('_', ' ')}: {rendered}")
    return "\n".join(lines + list(support or []))


@dataclass
class Support:
    text: str
    quantities: list[tuple[str, float]]
    numbers: set[float]
    materials: set
    certifications: set
    countries: set


def build_support(facts: dict[str, Any] | None, support: list[str] | None, chinese: bool) -> Support:
    text = fold(facts_text(facts, support), chinese).text
    v = vocab(chinese)
    found = quantities(text)
    bare = text
    for start, end, _ in reversed(found):
        bare = bare[:start] + " " * (end - start) + bare[end:]
    return Support(
        text=text,
        quantities=[b for _, _, values in found for b in values],
        numbers={_value(m.group(0)) for m in NUMBER.finditer(bare)},
        materials={value for _, _, value in v.materials.find(text)},
        certifications={value for _, _, value in v.certifications.find(text)},
        countries={value for _, _, value in v.countries.find(text)},
    )


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(abs(b) * TOLERANCE, 0.05 if abs(b) < 10 else 0.5)


def _quantity_supported(values: list[tuple[str, float]], sup: Support) -> bool:
    """Every number of a run (45 x 30 x 2 cm) is in the facts in the same dimension; for ounces
    (weight or volume) one reading must fit."""
    if any(dim == "oz" for dim, _ in values):
        return any(_close(v, f) for dim, v in values for d, f in sup.quantities if d == dim)
    return all(any(d == dim and _close(v, f) for d, f in sup.quantities) for dim, v in values)


def check_grounding(doc: Document, facts: dict[str, Any] | None, support: list[str] | None,
                    chinese: bool) -> list[Finding]:
    sup = build_support(facts, support, chinese)
    v = vocab(chinese)
    out: list[Finding] = []
    for seg in doc.segments:
        folded = seg.folded(chinese)
        text = folded.text

        def add(start, end, kind, severity="warning", what=""):
            s, e = folded.span(start, end)
            out.append(Finding(
                category="unsupported_claim", rule_id=f"grounding.{kind}", severity=severity, start=seg.offset + s,
                end=seg.offset + e, field=seg.label, matched=seg.text[s:e], source=SOURCE,
                message=f"The {what or kind} '{seg.text[s:e]}' is not in the product facts",
                suggestion="Check it against the product facts; correct it or remove it",
            ))

        for start, end, values in quantities(text):
            if not _quantity_supported(values, sup) and not _raw_number_supported(text[start:end], sup):
                add(start, end, "quantity", what="figure")
        for start, end, name in v.materials.find(text):
            if name not in sup.materials and not _negated(text, start, end, v):
                add(start, end, "material")
        for start, end, name in v.certifications.find(text):
            if name not in sup.certifications and not _negated(text, start, end, v, before_only=True):
                add(start, end, "certification", severity="error")
        for start, end, country in _origins(text, v):
            if country not in sup.countries:
                add(start, end, "origin", severity="error", what="origin claim")
    return out


def _raw_number_supported(span: str, sup: Support) -> bool:
    """The copy's figure is a bare number in the facts (a fact without a unit, e.g. layers: 5)."""
    nums = [_value(m.group(0)) for m in NUMBER.finditer(span)]
    return bool(nums) and all(any(_close(n, f) for f in sup.numbers) for n in nums)


def _negated(text: str, start: int, end: int, v: Vocab, before_only: bool = False) -> bool:
    before = text[max(0, start - 9):start]
    if any(before.endswith(n) for n in v.negations_before):
        return True
    return not before_only and any(text.startswith(n, end) for n in v.negations_after)


def _origins(text: str, v: Vocab) -> list[tuple[int, int, str]]:
    out = []
    for start, end, where in v.origin.find(text):
        if where == "before":
            rest = text[end:end + 40]
            rest_start = end + (len(rest) - len(rest.lstrip()))
            found = [(s, e, c) for s, e, c in v.countries.find(text[rest_start:rest_start + 40]) if s == 0]
            if found:
                out.append((start, rest_start + found[0][1], found[0][2]))
        else:
            found = [(s, e, c) for s, e, c in v.countries.find(text[max(0, start - 12):start])
                     if max(0, start - 12) + e == start]
            if found:
                out.append((max(0, start - 12) + found[-1][0], end, found[-1][2]))
    return out
