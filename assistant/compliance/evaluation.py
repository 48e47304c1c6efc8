"""Checker evaluation on a labelled case file (``evals/checker/*.jsonl``).

Each case is a review case (see ``cases.py``) plus ``expected``: the categories a reviewer expects
among error and warning findings (``[]`` for a hard negative). Scores are per case and category:
a predicted category that is expected is a true positive, one that is not is a false positive, an
expected category not predicted is a miss. Info findings do not count.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.compliance.cases import parse_case, review_case
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


def lang_group(code: str) -> str:
    return "zh" if code.lower().startswith("zh") else code.split("-")[0].lower()


def load_cases(path: Path) -> list[tuple[dict, set[str]]]:
    if not path.exists():
        raise InputError("case file not found", where=str(path))
    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            case = parse_case(raw, number)
            expected = json.loads(raw).get("expected")
        except ValueError as exc:
            raise InputError(str(exc), where=f"{path}:{number}") from exc
        if not isinstance(expected, list):
            raise InputError("field 'expected' must be a list of categories", where=f"{path}:{number}")
        out.append((case, set(expected)))
    return out


def evaluate(checker: Checker, cases: list) -> EvalResult:
    result = EvalResult()
    for case, expected in cases:
        output, _ = review_case(checker, case)
        counted = [f for f in output["findings"] if f["severity"] in COUNTED]
        predicted = {f["category"] for f in counted}
        lang = lang_group(case.lang)
        result.cases += 1
        result.negatives += not expected
        result.languages[lang] += 1
        for category in predicted | expected:
            hit, wanted = category in predicted, category in expected
            for tally in (result.overall, result.by_category.setdefault(category, Tally()),
                          result.by_language.setdefault(lang, Tally())):
                tally.tp += hit and wanted
                tally.fp += hit and not wanted
                tally.fn += wanted and not hit
            if hit != wanted:
                evidence = "; ".join(f"{f['rule_id']} {f.get('matched') or ''}".strip()
                                     for f in counted if f["category"] == category)
                result.mistakes.append(Mistake(str(case.id), lang, category, "false positive" if hit else "miss",
                                               case.text, evidence))
    return result


def tables(result: EvalResult) -> list:
    """Rich tables: per category, per language, overall."""
    from rich.table import Table

    out = []
    for title, tallies in (("per category", result.by_category), ("per language", result.by_language),
                           ("overall", {"all": result.overall})):
        table = Table(title=f"checker eval: {title}")
        for col in ("", "TP", "FP", "FN", "precision", "recall", "F1"):
            table.add_column(col, justify="right" if col else "left")
        for name, t in sorted(tallies.items()):
            table.add_row(name, str(t.tp), str(t.fp), str(t.fn), f"{t.precision:.3f}", f"{t.recall:.3f}", f"{t.f1:.3f}")
        out.append(table)
    return out
