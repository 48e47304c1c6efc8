"""Generation eval: products x kinds x languages with the configured provider. Reports what depends on
the model (schema-valid on the first reply, hard limits met by the model's own reply before any
shortening or trimming, language-ID match, error findings left after the revise loop) next to what the
pipeline then guarantees (schema-valid after the compact retry, hard limits of the delivered copy), with
tokens, cost and latency. A draft whose language cannot be identified counts as a miss."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from assistant.catalog import load_products
from assistant.errors import InputError
from assistant.generation.kinds import KINDS, get_kind
from assistant.generation.limits import cut_by_code, hard_limit_violations, shortened_by_model
from assistant.generation.models import Draft
from assistant.generation.pipeline import NOT_PROSE
from assistant.generation.terms import language_matches
from assistant.locales import default_market, resolve_language
from assistant.settings import REPO_ROOT

EVAL_DIR = REPO_ROOT / "evals" / "generation"
DEFAULT_LANGS = ["en", "de", "zh-Hans", "ja"]


@dataclass
class Case:
    sku: str
    kind: str
    lang: str
    market: str
    schema_valid: bool  # after the compact retry
    within_hard_limits: bool  # the delivered copy, after shortening and trimming
    language_match: bool | None  # None: the language could not be identified (scored as a miss)
    errors_first: int
    errors_final: int
    rounds: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    latency_ms: int
    retried: bool = False  # the first reply did not fit; the compact retry did
    violations: list[str] = field(default_factory=list)
    # the model's own reply for the delivered round, before shortening and trimming; None: not recorded
    # (logs written before these fields existed)
    raw_within_hard_limits: bool | None = None
    raw_violations: list[str] = field(default_factory=list)
    shortened: bool | None = None  # the shortening call to the model rewrote a text
    trimmed: bool | None = None  # code cut a text or dropped list items


def score_case(history: list[Draft]) -> Case:
    """One case from every stored round of a draft (first draft first)."""
    first, final = history[0], next((d for d in reversed(history) if d.status == "ok"), history[-1])
    req = final.request
    ok = final.status == "ok"
    violations = hard_limit_violations(final.fields, get_kind(req.kind).limits(req.platform)) if ok else []
    raw = final.raw_limit_violations if ok else []
    return Case(
        sku=req.product.sku, kind=req.kind, lang=req.lang, market=req.market, schema_valid=first.status == "ok",
        within_hard_limits=ok and not violations,
        language_match=language_matches(final.fields, resolve_language(req.lang), NOT_PROSE) if ok else False,
        errors_first=first.report.counts()["error"], errors_final=final.report.counts()["error"],
        rounds=final.round, prompt_tokens=sum(d.usage.prompt_tokens for d in history),
        completion_tokens=sum(d.usage.completion_tokens for d in history),
        cost_usd=sum(d.usage.cost_usd or 0.0 for d in history), latency_ms=sum(d.usage.latency_ms for d in history),
        retried=any("retried once" in f for f in first.fixes), violations=violations,
        raw_within_hard_limits=None if raw is None else ok and not raw, raw_violations=raw or [],
        shortened=ok and shortened_by_model(final.fixes), trimmed=ok and cut_by_code(final.fixes),
    )


def summarise(cases: list[Case]) -> dict:
    def share(values: list[bool | None]) -> float | None:
        """True among all cases: None (not identifiable) counts as False."""
        return round(sum(v is True for v in values) / len(values), 4) if values else None

    def recorded(values: list[bool | None]) -> float | None:
        """True among the cases where it was recorded; None when no case recorded it."""
        known = [v for v in values if v is not None]
        return share(known) if known else None

    n = len(cases)
    raw_known = [c for c in cases if c.raw_within_hard_limits is not None]
    return {
        "cases": n,
        "schema_valid_first_reply": share([c.schema_valid and not c.retried for c in cases]),
        "schema_valid_after_retry": share([c.schema_valid for c in cases]),
        "hard_limits_raw": recorded([c.raw_within_hard_limits for c in cases]),
        "hard_limits_raw_recorded": len(raw_known),
        "shortened_by_model": sum(c.shortened is True for c in raw_known),
        "trimmed_by_code": sum(c.trimmed is True for c in raw_known),
        "hard_limits_delivered": share([c.within_hard_limits for c in cases]),
        "language_id_match_rate": share([c.language_match for c in cases]),
        "language_id_undetermined": sum(c.language_match is None for c in cases),
        "language_id_undetermined_rate": share([c.language_match is None for c in cases]),
        "error_findings_first_draft": sum(c.errors_first for c in cases),
        "error_findings_after_revise": sum(c.errors_final for c in cases),
        "drafts_with_errors_after_revise": sum(c.errors_final > 0 for c in cases),
        "revise_rounds": sum(c.rounds for c in cases),
        "compact_retries": sum(c.retried for c in cases),
        "prompt_tokens": sum(c.prompt_tokens for c in cases),
        "completion_tokens": sum(c.completion_tokens for c in cases),
        "cost_usd": round(sum(c.cost_usd for c in cases), 4),
        "latency_s_total": round(sum(c.latency_ms for c in cases) / 1000, 1),
        "latency_s_mean": round(sum(c.latency_ms for c in cases) / 1000 / n, 2) if n else None,
    }


def breakdown(cases: list[Case], key: str) -> dict[str, dict]:
    groups: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        groups[getattr(c, key)].append(c)
    return {k: summarise(v) for k, v in sorted(groups.items())}


def contexts(product_name: str) -> dict[str, str]:
    raw = yaml.safe_load((EVAL_DIR / "contexts.yaml").read_text("utf-8"))
    return {k: v.format(product=product_name) for k, v in raw.items()}


def read_log(path: Path | None) -> list[Case]:
    """Cases already scored in a resumable run's log (one JSON object per line)."""
    if path is None or not path.exists():
        return []
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(Case(**json.loads(line)))
        except (ValueError, TypeError) as exc:  # e.g. a run killed while writing its last line
            raise InputError(
                f"line {number} is not a logged case ({exc})", where=str(path),
                fix=f"delete line {number} (its case is generated again on the next run) or start a new --log file",
            ) from exc
    return cases


def run_generation_eval(services, *, kinds: list[str] | None = None, langs: list[str] | None = None,
                        limit: int | None = None, products_path: Path | None = None,
                        progress: Callable[[Case], None] | None = None, log: Path | None = None,
                        shard: tuple[int, int] = (0, 1), report_only: bool = False, actor=None) -> dict:
    """With ``log``, every scored case is appended to that JSONL file as it finishes and cases already
    in it are skipped: a long run (the full matrix takes hours with the local model) can stop and
    resume, across sessions, and the summary covers every logged case of the requested matrix.
    ``shard=(i, n)`` generates only the products whose position modulo ``n`` is ``i``, so ``n``
    processes can share one log; ``report_only`` generates nothing and summarises the log. ``actor``:
    the ``User`` the drafts are stored as (``None``: local single-user mode)."""
    kinds = kinds or list(KINDS)
    for kind in kinds:
        get_kind(kind)
    langs = [resolve_language(code).code for code in (langs or DEFAULT_LANGS)]
    products = load_products(products_path or EVAL_DIR / "products.jsonl")[:limit]
    brand = services.brand()
    gen = services.generator
    wanted = {(p.sku, k, lang) for p in products for k in kinds for lang in langs}
    cases = [c for c in read_log(log) if (c.sku, c.kind, c.lang) in wanted]
    done = {(c.sku, c.kind, c.lang) for c in cases}
    index, count = shard
    mine = [p for position, p in enumerate(products) if not report_only and position % count == index]
    context_by_sku = {p.sku: contexts(p.name) for p in mine}
    # language, then kind, then product: consecutive requests share their prompt's opening (system prompt
    # and brand section), which a provider's prompt cache (llama.cpp's KV cache, OpenAI's prompt
    # caching) then reads only once
    for lang in langs:
        for kind in kinds:
            for product in mine:
                if (product.sku, kind, lang) in done:
                    continue
                draft = gen.generate(kind, product, brand, lang=lang, market=default_market(lang),
                                     context=context_by_sku[product.sku].get(get_kind(kind).context or ""),
                                     actor=actor)
                case = score_case(gen.history(draft))
                cases.append(case)
                if log is not None:
                    log.parent.mkdir(parents=True, exist_ok=True)
                    with log.open("a", encoding="utf-8") as handle:
                        handle.write(json.dumps(asdict(case), ensure_ascii=False) + "\n")
                if progress:
                    progress(case)
    return {
        "provider": services.llm.provider, "model": services.llm.model_name,
        "revise_rounds": services.settings.revise_rounds, "products": len(products), "kinds": kinds, "langs": langs,
        "planned_cases": len(wanted),
        "summary": summarise(cases), "by_kind": breakdown(cases, "kind"), "by_lang": breakdown(cases, "lang"),
        "cases": [asdict(c) for c in cases],
    }


def write_result(result: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
