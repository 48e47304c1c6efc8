"""Detect personal data and secrets in text: e-mail addresses, phone numbers, payment card numbers
(Luhn-checked), IBANs (mod-97-checked) and API keys / access tokens.

Detectors are data (``DETECTORS``): a kind, a pattern, an optional validator, a severity and the
message. Offsets are character offsets in the text scanned, like the checker's findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


_NOT_DIGIT_BEFORE = r"(?<![\w+/.-])"
_NOT_DIGIT_AFTER = r"(?![\w/-]|\.\d)"

DETECTORS: tuple[Detector, ...] = (
    Detector(
        "api_key",
        re.compile(r"\b(?:sk-(?:proj-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|"
                   r"xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})"),
        "error", "an API key or access token: it must never be stored in copy or exported",
        "remove it, and revoke the key: it has been exposed",
    ),
    Detector(
        "email",
        re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
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
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
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


def find_pii(text: str, kinds: set[str] | None = None) -> list[PiiMatch]:
    """Every match, earlier detectors first; a span already taken is not matched again."""
    matches: list[PiiMatch] = []
    for det in DETECTORS:
        if kinds is not None and det.kind not in kinds:
            continue
        for m in det.pattern.finditer(text):
            if det.valid and not det.valid(m.group()):
                continue
            if any(m.start() < x.end and x.start < m.end() for x in matches):
                continue
            matches.append(PiiMatch(det.kind, m.start(), m.end(), m.group()))
    return sorted(matches, key=lambda x: x.start)


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
