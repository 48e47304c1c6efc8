"""Detect personal data and secrets in text: e-mail addresses, phone numbers, payment card numbers
(Luhn-checked), IBANs (mod-97-checked) and API keys / access tokens.

Detectors are data (``DETECTORS``): a kind, a pattern, an optional validator, a severity and the
message. Offsets are character offsets in the text scanned, like the checker's findings.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from assistant.catalog import Product
from assistant.channels.fields import walk_fields
from assistant.compliance.models import Finding, Severity

GDPR = "GDPR Art. 4(1), Art. 5(1)(c) (data minimisation); PIPL Art. 4, 6"


@dataclass(frozen=True)
class PiiMatch:
    kind: str
    start: int
    end: int
    text: str


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _luhn(s: str) -> bool:
    digits = [int(c) for c in _digits(s)]
    # 13-digit runs are mostly EAN barcodes: count them only when written in groups
    if not (15 if s.isdigit() else 13) <= len(digits) <= 19 or digits[0] not in (2, 3, 4, 5, 6):
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban(s: str) -> bool:
    compact = re.sub(r"\s", "", s).upper()
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def _phone(s: str) -> bool:
    n = len(_digits(s))
    return 8 <= n <= 15


@dataclass(frozen=True)
class Detector:
    kind: str
    pattern: re.Pattern[str]
    severity: Severity
    message: str
    suggestion: str
    valid: Callable[[str], bool] | None = None


# ASCII boundaries: personal data written right next to CJK text (联系13800138000, 邮箱a@b.cn请) is found too
_NOT_DIGIT_BEFORE = r"(?<![A-Za-z0-9_+/.-])"
_NOT_DIGIT_AFTER = r"(?![A-Za-z0-9_/-]|\.\d)"

DETECTORS: tuple[Detector, ...] = (
    Detector(
        "api_key",
        re.compile(r"(?<![A-Za-z0-9_-])(?:sk-(?:proj-)?[A-Za-z0-9_-]{16,200}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,200}|"
                   r"xox[abprs]-[A-Za-z0-9-]{10,200}|AIza[0-9A-Za-z_-]{35})"),
        "error", "an API key or access token: it must never be stored in copy or exported",
        "remove it, and revoke the key: it has been exposed",
    ),
    Detector(
        "email",
        re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
                   r"\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"),
        "warning", "an e-mail address: personal data unless it is a published business address",
        "remove it, or use the brand's published contact address",
    ),
    Detector(
        "card",
        re.compile(_NOT_DIGIT_BEFORE + r"(?:\d[ -]?){12,18}\d" + _NOT_DIGIT_AFTER),
        "error", "a payment card number", "remove it", valid=_luhn,
    ),
    Detector(
        "iban",
        re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])"),
        "error", "a bank account number (IBAN)", "remove it", valid=_iban,
    ),
    Detector(
        "phone",
        re.compile(
            _NOT_DIGIT_BEFORE
            + r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"  # +49 30 1234 5678
            r"|\(\d{2,4}\)[ .-]?\d{3,4}[ .-]?\d{3,4}"  # (555) 123-4567
            r"|\d{3}[.-]\d{3}[.-]\d{4}"  # 555-123-4567
            r"|1[3-9]\d[ -]?\d{4}[ -]?\d{4})"  # Chinese mobile 138 0013 8000
            + _NOT_DIGIT_AFTER
        ),
        "warning", "a phone number: personal data unless it is a published business line",
        "remove it, or use the brand's published service number", valid=_phone,
    ),
)


# Digit groups that may be a phone number in some national format (13800138000, 030 12345678,
# 06 12 34 56 78, 090-1234-5678, (555) 123-4567); ``phonenumbers`` decides which are valid numbers.
PHONE_CANDIDATE = re.compile(
    _NOT_DIGIT_BEFORE + r"\+?\(?\d{1,14}\)?(?:[ .\u00a0-]{1,2}\(?\d{1,8}\)?){0,6}" + _NOT_DIGIT_AFTER
)
PHONE_REGIONS = ("CN", "US", "GB", "DE", "FR", "JP", "KR")  # national formats understood without a + prefix
MAX_PHONE_CANDIDATES = 2000  # validated per text (each costs a parse per region); bounds the time on hostile input


@functools.lru_cache(maxsize=4096)
def _valid_phone(candidate: str) -> tuple[int, int] | None:
    """The span of a valid phone number (in any of ``PHONE_REGIONS``) inside ``candidate``."""
    import phonenumbers

    for region in PHONE_REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(candidate, region, leniency=phonenumbers.Leniency.VALID):
            return m.start, m.end
    return None


def _phones(text: str) -> Iterator[tuple[int, int]]:
    for i, m in enumerate(PHONE_CANDIDATE.finditer(text)):
        if i >= MAX_PHONE_CANDIDATES:
            return
        if 7 <= sum(c.isdigit() for c in m.group()) <= 15 and (span := _valid_phone(m.group())):
            yield m.start() + span[0], m.start() + span[1]


def find_pii(text: str, kinds: set[str] | None = None) -> list[PiiMatch]:
    """Every match, earlier detectors first; a span already taken is not matched again."""
    matches: list[PiiMatch] = []
    taken = _Taken()
    for det in DETECTORS:
        if kinds is not None and det.kind not in kinds:
            continue
        spans = ((m.start(), m.end()) for m in det.pattern.finditer(text) if not det.valid or det.valid(m.group()))
        if det.kind == "phone":
            spans = sorted([*spans, *_phones(text)])
        for start, end in spans:
            if taken.overlaps(start, end):
                continue
            taken.add(start, end)
            matches.append(PiiMatch(det.kind, start, end, text[start:end]))
    return sorted(matches, key=lambda x: x.start)


class _Taken:
    """Spans already matched (disjoint), with an overlap test in logarithmic time."""

    def __init__(self):
        self.spans: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.spans, (start, float("inf")))
        return (i > 0 and self.spans[i - 1][1] > start) or (i < len(self.spans) and self.spans[i][0] < end)

    def add(self, start: int, end: int) -> None:
        bisect.insort(self.spans, (start, end))


def redact(text: str, kinds: set[str] | None = None) -> str:
    """Replace each match with ``[email]``, ``[phone]``, ... ."""
    out, pos = [], 0
    for m in find_pii(text, kinds):
        out += [text[pos:m.start], f"[{m.kind}]"]
        pos = m.end
    return "".join(out) + text[pos:]


_BY_KIND = {d.kind: d for d in DETECTORS}


def scan_text(text: str, field: str | None = None, *, offset: int = 0) -> list[Finding]:
    findings = []
    for m in find_pii(text):
        det = _BY_KIND[m.kind]
        findings.append(Finding(
            category="pii", rule_id=f"pii.{m.kind}", severity=det.severity, start=offset + m.start,
            end=offset + m.end, message=f"{det.message} ({_mask(m.text)})", suggestion=det.suggestion,
            field=field, source=GDPR, matched=_mask(m.text),
        ))
    return findings


def scan_fields(fields: dict[str, object], prefix: str = "") -> list[Finding]:
    """Scan generated or edited copy; fields are labelled like the checker's (``bullets[2]``)."""
    return [finding for field in walk_fields(fields, prefix=prefix) for finding in scan_text(field.text, field.label)]


def scan_product(product: Product) -> list[Finding]:
    """Scan the input: a finding's field is ``input.<field>`` (``input.facts.contact``)."""
    data = product.model_dump(exclude={"sku", "price", "currency", "image_url"})
    return scan_fields(data, "input.")


def _mask(text: str) -> str:
    """Findings are stored and shown: keep enough to find the spot, not the whole value."""
    if len(text) <= 6:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 5) + text[-2:]
