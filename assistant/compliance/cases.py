"""The batch review contract (``assistant review --input cases.jsonl --output findings.jsonl``).

Input line: ``{"id", "text", "lang", "market", "channel"}`` plus optional ``platform`` and ``facts``
(other keys, e.g. evaluation labels, are ignored). Output line: ``{"id", "score", "findings":
[{"category", "rule_id", "severity", "start", "end", "message", "suggestion", ...}]}``. A bad line
is reported with its line number and the other lines are still reviewed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.compliance.checker import Checker
from assistant.errors import AssistantError

Channel = Literal["listing", "search_ad", "social_ad", "email", "social_post", "influencer_post"]


class ReviewCase(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | int
    text: str
    lang: str
    market: str
    channel: Channel
    platform: str | None = None
    facts: dict[str, Any] | None = None
    support: list[str] | None = Field(default=None, description="extra texts that support claims")


@dataclass
class CaseResult:
    line: int
    output: dict | None = None
    error: str | None = None
    has_errors: bool = False


def parse_case(raw: str, line: int) -> ReviewCase:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    try:
        return ReviewCase.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(line)"
        raise ValueError(f"field '{field}': {err['msg']}") from exc


def review_case(checker: Checker, case: ReviewCase) -> tuple[dict, bool]:
    report = checker.check_text(case.text, lang=case.lang, market=case.market, channel=case.channel,
                                platform=case.platform, facts=case.facts, support=case.support)
    findings = [f.model_dump(exclude_none=True, exclude_defaults=False) for f in report.findings]
    for f in findings:
        f.setdefault("suggestion", None)
    return {"id": case.id, "score": report.score, "findings": findings}, report.has_errors


def split_lines(data: bytes) -> list[bytes]:
    """JSONL lines: split at ``\n`` only (a ``\r`` or U+2028 inside a line does not shift the line
    numbers of the lines after it), a trailing ``\r`` dropped."""
    return [line.removesuffix(b"\r") for line in data.split(b"\n")]


def review_lines(checker: Checker, lines: Iterable[str | bytes]) -> Iterator[CaseResult]:
    """One result per non-blank input line, in order; errors name the line and field. A bad line
    (not UTF-8, not JSON, nested too deeply, a bad field, or anything the checker cannot handle) is
    reported and the others are still reviewed."""
    for number, raw in enumerate(lines, 1):
        try:
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8")
            if not raw.strip():
                continue
            case = parse_case(raw, number)
            output, has_errors = review_case(checker, case)
        except UnicodeDecodeError as exc:
            yield CaseResult(number, error=f"line {number}: not UTF-8 text (byte {exc.start + 1}); save the file as UTF-8")
        except ValueError as exc:
            yield CaseResult(number, error=f"line {number}: {exc}")
        except AssistantError as exc:
            yield CaseResult(number, error=f"line {number}: {exc.what}" + (f" ({exc.fix})" if exc.fix else ""))
        except (RecursionError, MemoryError, TypeError, KeyError, IndexError, AttributeError) as exc:
            yield CaseResult(number, error=f"line {number}: could not be reviewed ({type(exc).__name__}: {exc})")
        else:
            yield CaseResult(number, output=output, has_errors=has_errors)
