"""Retrieval eval: recall@k and MRR over a query file with expected passages (evals/retrieval/).

Two sets of queries: hand-written questions (``queries``, at the file's ``k``, per retrieval mode), and
the queries generation itself issues for each product x kind x language (``generation``: built by
``guideline_query``, retrieved through the Generator at ``settings.retrieval_k``), scored against the
passages a draft about that product should be written with.

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

from assistant.catalog import Product
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


class GenerationQueries(_Strict):
    """Generation's own queries: every product of ``products`` x every kind x ``langs``; ``expected`` maps
    a product's sku to the passages it needs, per guideline language (en, zh)."""

    products: str = Field(description="product file, relative to the repository root")
    langs: list[str] = Field(min_length=1)
    expected: dict[str, dict[str, list[Expected]]]


class EvalSpec(_Strict):
    brand: str
    k: int = 5
    queries: list[EvalQuery] = Field(min_length=1)
    generation: GenerationQueries | None = None


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

    def groups(self) -> list[str]:
        return sorted({o.query.group for o in self.outcomes}, key=lambda g: (g not in GROUPS, g))

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


def generation_queries(spec: EvalSpec) -> list[tuple[EvalQuery, Product, str]]:
    """(query, product, kind) for every product x kind x language of the spec's ``generation`` section;
    the query text is exactly what generation sends (``guideline_query``)."""
    from assistant.catalog import load_products
    from assistant.generation.kinds import KINDS
    from assistant.generation.service import guideline_query
    from assistant.locales import resolve_language

    gen = spec.generation
    if gen is None:
        return []
    out = []
    for product in load_products(REPO_ROOT / gen.products):
        for code in gen.langs:
            lang = resolve_language(code).code
            group = lang.split("-")[0]
            expected = gen.expected.get(product.sku, {}).get(group)
            if not expected:
                raise InputError(f"no expected passages for {product.sku} in '{group}'", where="generation.expected",
                                 fix=f"add {product.sku}: {{{group}: [{{source: ..., section: ...}}]}}")
            for kind in KINDS:
                out.append((EvalQuery(id=f"gen-{product.sku}-{kind}-{lang}", group=group, lang=lang, filter=lang,
                                      query=guideline_query(product, kind), expected=expected), product, kind))
    return out


def evaluate_generation(generator, knowledge, spec: EvalSpec) -> EvalRun:
    """Generation's own queries, retrieved through ``generator.guidelines`` (its k, mode and filter)."""
    knowledge.ingest(spec.brand)
    run = EvalRun(knowledge.describe()["embedder"], "generation", generator.guidelines_k)
    start = time.perf_counter()
    queries = generation_queries(spec)
    for query, product, kind in queries:
        run.outcomes.append(score(query, generator.guidelines(spec.brand, product, kind, query.lang)))
    run.query_ms = (time.perf_counter() - start) * 1000 / max(1, len(queries))
    return run


def run_retrieval_eval(settings, *, embedders: list[str], modes: list[str], spec_path: Path = DEFAULT_SPEC,
                       k: int | None = None, generation: bool = True) -> list[EvalRun]:
    """Every (embedder, mode) on a fresh temporary store built through ``build_services``; with
    ``generation``, also generation's own queries at ``settings.retrieval_k`` (mode "generation")."""
    from assistant.services import build_services

    spec = load_spec(spec_path)
    runs = []
    for name in embedders:
        with tempfile.TemporaryDirectory(prefix="retrieval-eval-") as tmp:
            # the scripted provider: the generator is only asked for guidelines, so no model is loaded
            svc = build_services(settings.model_copy(update={"home": Path(tmp), "chroma_url": None, "embedder": name,
                                                             "provider": "fake"}))
            for mode in modes:
                runs.append(evaluate(svc.knowledge, spec, mode=mode, k=k))
            if generation and spec.generation is not None:
                runs.append(evaluate_generation(svc.generator, svc.knowledge, spec))
            _release(svc)
    return runs


def _release(svc) -> None:
    """Chroma keeps one system per store path; drop ours before its folder is deleted."""
    client = svc.knowledge.__dict__.get("client")
    if client is not None:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
