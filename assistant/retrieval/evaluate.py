"""Retrieval eval: recall@k and MRR over a query file with expected passages (evals/retrieval/).

Each run ingests the brand's sample guidelines into a throw-away Chroma store under a temporary
data directory, with the embedder asked for, so the user's knowledge base is never touched and
embedders can be compared side by side.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import InputError
from assistant.retrieval import Passage
from assistant.settings import REPO_ROOT

DEFAULT_SPEC = REPO_ROOT / "evals" / "retrieval" / "queries.yaml"
GROUPS = ("en", "zh", "cross")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expected(_Strict):
    source: str
    section: str

    def matches(self, p: Passage) -> bool:
        section = p.section or ""
        return p.source == self.source and (section == self.section or section.endswith(" > " + self.section))


class EvalQuery(_Strict):
    id: str
    group: str
    lang: str
    filter: str | None = None
    query: str
    expected: list[Expected] = Field(min_length=1)


class EvalSpec(_Strict):
    brand: str
    k: int = 5
    queries: list[EvalQuery] = Field(min_length=1)


@dataclass
class QueryOutcome:
    query: EvalQuery
    retrieved: list[Passage]
    found: int
    first_rank: int | None

    @property
    def recall(self) -> float:
        return self.found / len(self.query.expected)

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.first_rank if self.first_rank else 0.0


@dataclass
class EvalRun:
    embedder: str
    mode: str
    k: int
    outcomes: list[QueryOutcome] = field(default_factory=list)
    ingest_s: float = 0.0
    query_ms: float = 0.0

    def scores(self, group: str | None = None) -> dict[str, float]:
        rows = [o for o in self.outcomes if group is None or o.query.group == group]
        n = len(rows) or 1
        return {"queries": len(rows), f"recall@{self.k}": round(sum(o.recall for o in rows) / n, 3),
                "mrr": round(sum(o.reciprocal_rank for o in rows) / n, 3)}

    def misses(self) -> list[QueryOutcome]:
        return [o for o in self.outcomes if o.recall < 1.0]


def load_spec(path: Path = DEFAULT_SPEC) -> EvalSpec:
    path = Path(path)
    try:
        return EvalSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise InputError(f"cannot read the eval file: {exc}", where=str(path)) from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(f"invalid retrieval eval file: {exc}", where=str(path),
                         fix="see the header comment of evals/retrieval/queries.yaml") from None


def score(query: EvalQuery, passages: list[Passage]) -> QueryOutcome:
    found = sum(any(e.matches(p) for p in passages) for e in query.expected)
    first = next((rank for rank, p in enumerate(passages, 1) if any(e.matches(p) for e in query.expected)), None)
    return QueryOutcome(query, passages, found, first)


def evaluate(knowledge, spec: EvalSpec, *, mode: str = "hybrid", k: int | None = None) -> EvalRun:
    """Ingest the spec's brand (incremental: a second call embeds nothing) and run every query."""
    k = k or spec.k
    start = time.perf_counter()
    report = knowledge.ingest(spec.brand)
    if report.failed:
        raise InputError(f"{len(report.failed)} guideline file(s) failed to ingest",
                         where=report.failed[0].source, fix=report.failed[0].error)
    run = EvalRun(knowledge.describe()["embedder"], mode, k, ingest_s=time.perf_counter() - start)
    start = time.perf_counter()
    for q in spec.queries:
        run.outcomes.append(score(q, knowledge.search(spec.brand, q.query, lang=q.filter, k=k, mode=mode)))
    run.query_ms = (time.perf_counter() - start) * 1000 / len(spec.queries)
    return run


def run_retrieval_eval(settings, *, embedders: list[str], modes: list[str], spec_path: Path = DEFAULT_SPEC,
                       k: int | None = None) -> list[EvalRun]:
    """Every (embedder, mode) on a fresh temporary store built through ``build_services``."""
    from assistant.services import build_services

    spec = load_spec(spec_path)
    runs = []
    for name in embedders:
        with tempfile.TemporaryDirectory(prefix="retrieval-eval-") as tmp:
            svc = build_services(settings.model_copy(update={"home": Path(tmp), "chroma_url": None, "embedder": name}))
            for mode in modes:
                runs.append(evaluate(svc.knowledge, spec, mode=mode, k=k))
            _release(svc)
    return runs


def _release(svc) -> None:
    """Chroma keeps one system per store path; drop ours before its folder is deleted."""
    client = svc.knowledge.__dict__.get("client")
    if client is not None:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
