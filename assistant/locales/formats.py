"""Market conventions: numbers, prices and dates formatted the way readers in a market expect
(CLDR data through Babel, offline), and measurements converted between metric and imperial."""

from __future__ import annotations

import re
from datetime import date

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_date
from babel.numbers import format_currency, format_decimal

from assistant.locales import Language, Market

# territory used to pick a CLDR locale for a language in a market (UK -> GB; EU has none)
_TERRITORY = {"UK": "GB", "EU": None}


def babel_locale(lang: Language, market: Market) -> str:
    """The CLDR locale for copy in ``lang`` read in ``market``: ``de`` + CH-style variants when
    CLDR has them (``en_DE``, ``zh_Hant_HK``), else the language's own, else the market's."""
    base = lang.code.replace("-", "_")
    territory = _TERRITORY.get(market.code, market.code)
    if base.startswith("zh_"):
        candidates = [f"{base}_{territory}", market.locale if market.locale.startswith(base) else None, base]
    else:
        lang_only = base.split("_")[0]
        candidates = [f"{lang_only}_{territory}" if territory else None, base, lang_only]
    for candidate in filter(None, candidates):
        try:
            Locale.parse(candidate)
            return candidate
        except (UnknownLocaleError, ValueError):
            continue
    return market.locale


def format_number(value: float, locale: str, decimals: int = 1) -> str:
    return format_decimal(round(value, decimals), format="#,##0." + "#" * decimals if decimals else "#,##0",
                          locale=locale)


def format_price(amount: float, currency: str, locale: str) -> str:
    return format_currency(amount, currency, locale=locale)


def format_day(day: date, locale: str) -> str:
    return _babel_date(day, format="medium", locale=locale)


# ---- units ---------------------------------------------------------------------------------------
_NUM = r"\d+(?:[.,]\d+)?"
MEASURE = re.compile(
    rf"(?P<nums>{_NUM}(?:\s*[x×]\s*{_NUM})*)\s*(?P<unit>mm|cm|m|kg|g|ml|mL|l|L|°C|°F|in|inch(?:es)?|"
    rf"ft|lbs?|oz|fl\.? oz)(?![\w/])"
)
# unit -> (target unit, factor or converter) for each direction
TO_IMPERIAL = {
    "mm": ("in", 1 / 25.4), "cm": ("in", 1 / 2.54), "m": ("ft", 3.28084), "kg": ("lb", 2.20462),
    "g": ("oz", 1 / 28.3495), "ml": ("fl oz", 1 / 29.5735), "mL": ("fl oz", 1 / 29.5735),
    "l": ("qt", 1.05669), "L": ("qt", 1.05669), "°C": ("°F", None),
}
TO_METRIC = {
    "in": ("cm", 2.54), "inch": ("cm", 2.54), "inches": ("cm", 2.54), "ft": ("m", 0.3048),
    "lb": ("kg", 0.453592), "lbs": ("kg", 0.453592), "oz": ("g", 28.3495), "fl oz": ("ml", 29.5735),
    "fl. oz": ("ml", 29.5735), "°F": ("°C", None),
}


def _convert(value: float, unit: str, factor: float | None) -> float:
    if factor is not None:
        return value * factor
    return value * 9 / 5 + 32 if unit == "°C" else (value - 32) * 5 / 9


def convert_units(text: str, market: Market, locale: str) -> str:
    """Add the equivalent the market's readers expect after each measurement:
    ``45 x 30 cm`` -> ``45 x 30 cm (17.7 x 11.8 in)`` for the US. The original stays first."""
    table = TO_IMPERIAL if market.units == "imperial" else TO_METRIC

    def repl(m: re.Match) -> str:
        unit = m.group("unit")
        if unit not in table:
            return m.group(0)
        target, factor = table[unit]
        nums = re.split(r"\s*[x×]\s*", m.group("nums"))
        values = [_convert(float(n.replace(",", ".")), unit, factor) for n in nums]
        decimals = 0 if target in ("°F", "°C", "g", "ml") else 1
        converted = " x ".join(format_number(v, locale, decimals) for v in values)
        return f"{m.group(0)} ({converted} {target})"

    return MEASURE.sub(repl, text)


def conventions_text(lang: Language, market: Market, price: float | None = None,
                     currency: str | None = None) -> str:
    """What the prompt tells the model about writing for this market."""
    loc = babel_locale(lang, market)
    units = ("imperial units (in, lb, oz, °F; metric may follow in brackets)" if market.units == "imperial"
             else "metric units (cm, kg, g, ml, °C)")
    lines = [
        f"Market: {market.name} ({market.code}); locale {loc}",
        f"Numbers: write like {format_number(1234.5, loc)}; dates like {format_day(date(2025, 3, 31), loc)}",
        f"Measurements: {units}",
        f"Market currency: {market.currency} (e.g. {format_price(1234.5, market.currency, loc)})",
    ]
    if price is not None and currency:
        lines.append(f"Product price: {format_price(price, currency, loc)} - quote it only as given, "
                     "never convert or invent prices or discounts")
    if lang.rtl:
        lines.append("Script: right-to-left; keep brand names and numbers in Latin digits as given")
    return "\n".join(lines)
