"""Checker evaluation on a labelled case file (``evals/checker/*.jsonl``).

Each case is a review case (see ``cases.py``) plus ``expected``: the categories a reviewer expects
among error and warning findings (``[]`` for a hard negative). Scores are per case and category:
a predicted category that is expected is a true positive, one that is not is a false positive, an
expected category not predicted is a miss. Info findings do not count.

A case may also carry ``labels``: ``[{"category", "quote"}]``, ``quote`` being the exact words of the
text a reviewer would mark. For those categories the span score also asks *where*: a finding counts
only when it overlaps a labelled quote; one of the right category elsewhere is a miss and a false
positive. Categories without labels (and cases without any, e.g. a missing unsubscribe line) are
scored by category only, and the span tables say how many were span-scored.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.compliance.cases import ReviewCase, parse_case, review_case
from assistant.compliance.checker import Checker
from assistant.errors import InputError

COUNTED = ("error", "warning")
DEFAULT_CASES = Path(__file__).resolve().parents[2] / "evals" / "checker" / "dev.jsonl"


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Mistake:
    case_id: str
    lang: str
    category: str
    kind: str  # "false positive" or "miss"
    text: str
    evidence: str = ""


@dataclass
class EvalResult:
    cases: int = 0
    negatives: int = 0
    overall: Tally = field(default_factory=Tally)
    by_category: dict[str, Tally] = field(default_factory=dict)
    by_language: dict[str, Tally] = field(default_factory=dict)
    mistakes: list[Mistake] = field(default_factory=list)
    languages: Counter = field(default_factory=Counter)
    # span scoring, over the cases with labelled quotes (an expected category without quotes is left out)
    span_overall: Tally = field(default_factory=Tally)
    span_by_category: dict[str, Tally] = field(default_factory=dict)
    span_scored: int = 0  # (case, expected category) pairs with labelled quotes
    expected_pairs: int = 0  # every (case, expected category) pair
    span_mistakes: list[Mistake] = field(default_factory=list)


@dataclass
class LabelledCase:
    case: ReviewCase
    expected: set[str]
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # category -> labelled quotes


def lang_group(code: str) -> str:
    return "zh" if code.lower().startswith("zh") else code.split("-")[0].lower()


def _spans(case: ReviewCase, labels: object, expected: set[str]) -> dict[str, list[tuple[int, int]]]:
    if labels is None:
        return {}
    if not isinstance(labels, list):
        raise ValueError("field 'labels' must be a list of {\"category\", \"quote\"}")
    spans: dict[str, list[tuple[int, int]]] = {}
    for label in labels:
        if not isinstance(label, dict) or set(label) != {"category", "quote"}:
            raise ValueError(f"label {label!r} must be {{\"category\": ..., \"quote\": ...}}")
        category, quote = label["category"], label["quote"]
        if category not in expected:
            raise ValueError(f"label category '{category}' is not in 'expected' {sorted(expected)}")
        if quote is None:  # something missing (an unsubscribe link) has no words: scored by category only
            continue
        at = case.text.find(quote) if isinstance(quote, str) and quote else -1
        if at < 0:
            raise ValueError(f"label quote {quote!r} is not in the case's text (it must be an exact substring)")
        while at >= 0:  # every occurrence of the quote is an acceptable place
            spans.setdefault(category, []).append((at, at + len(quote)))
            at = case.text.find(quote, at + 1)
    return spans


def load_cases(path: Path) -> list[LabelledCase]:
    if not path.exists():
        raise InputError("case file not found", where=str(path))
    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            case = parse_case(raw, number)
            data = json.loads(raw)
            expected = data.get("expected")
            if not isinstance(expected, list):
                raise ValueError("field 'expected' must be a list of categories")
            out.append(LabelledCase(case, set(expected), _spans(case, data.get("labels"), set(expected))))
        except ValueError as exc:
            raise InputError(str(exc), where=f"{path}:{number}") from exc
    return out


def _add(tallies: list[Tally], hit: bool, wanted: bool) -> None:
    for tally in tallies:
        tally.tp += hit and wanted
        tally.fp += hit and not wanted
        tally.fn += wanted and not hit


def evaluate(checker: Checker, cases: list[LabelledCase]) -> EvalResult:
    result = EvalResult()
    for labelled in cases:
        case, expected = labelled.case, labelled.expected
        output, _ = review_case(checker, case)
        counted = [f for f in output["findings"] if f["severity"] in COUNTED]
        predicted = {f["category"] for f in counted}
        lang = lang_group(case.lang)
        result.cases += 1
        result.negatives += not expected
        result.languages[lang] += 1
        result.expected_pairs += len(expected)
        for category in predicted | expected:
            hit, wanted = category in predicted, category in expected
            _add([result.overall, result.by_category.setdefault(category, Tally()),
                  result.by_language.setdefault(lang, Tally())], hit, wanted)
            evidence = "; ".join(f"{f['rule_id']} {f.get('matched') or ''}".strip()
                                 for f in counted if f["category"] == category)
            if hit != wanted:
                result.mistakes.append(Mistake(str(case.id), lang, category, "false positive" if hit else "miss",
                                               case.text, evidence))
            spans = labelled.spans.get(category)
            if not labelled.spans or (spans is None and wanted):
                continue  # no labelled quotes for this case or this expected category: scored by category only
            placed = any(f["start"] < end and start < f["end"] for f in counted if f["category"] == category
                         for start, end in spans or [])
            tallies = [result.span_overall, result.span_by_category.setdefault(category, Tally())]
            result.span_scored += wanted
            if wanted and hit and not placed:  # the right category on the wrong words: a miss and a false alarm
                _add(tallies, True, False)
                _add(tallies, False, True)
                result.span_mistakes.append(Mistake(str(case.id), lang, category, "wrong place", case.text, evidence))
            else:
                _add(tallies, placed if wanted else hit, wanted)
    return result


def tables(result: EvalResult) -> list:
    """Rich tables: per category, per language, overall; then the span scores."""
    from rich.table import Table

    out = []
    span_note = (f"span-scored: {result.span_scored} of {result.expected_pairs} expected (case, category) pairs; "
                 "the rest are scored by category only")
    for title, tallies in (("per category", result.by_category), ("per language", result.by_language),
                           ("overall", {"all": result.overall}),
                           ("spans per category (finding must overlap the labelled quote)", result.span_by_category),
                           (f"spans overall ({span_note})", {"all": result.span_overall})):
        table = Table(title=f"checker eval: {title}")
        for col in ("", "TP", "FP", "FN", "precision", "recall", "F1"):
            table.add_column(col, justify="right" if col else "left")
        for name, t in sorted(tallies.items()):
            scores = [f"{v:.3f}" for v in (t.precision, t.recall, t.f1)] if t.tp + t.fp + t.fn else ["n/a"] * 3
            table.add_row(name, str(t.tp), str(t.fp), str(t.fn), *scores)
        out.append(table)
    return out
