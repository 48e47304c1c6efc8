"""Turn a catalogue and the run's options into a job: validate the options, stream the catalogue
into the job store (products once, one work item per product x kind x language/market), and write
rejected rows to ``errors.csv``. Planning is idempotent: the same catalogue and options find the same
job, and an interrupted plan is completed by running it again."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from assistant.batch.catalogue import Catalogue, RowError
from assistant.batch.store import JobSpec, JobStore, item_key, job_key
from assistant.catalog import Product
from assistant.errors import InputError
from assistant.generation.kinds import get_kind
from assistant.generation.service import MAX_VARIANTS
from assistant.locales import get_market, resolve_language
from assistant.services import Services

CHUNK = 500


@dataclass
class Plan:
    job_id: int
    created: bool
    rows: int = 0
    rejected: int = 0
    items: int = 0
    encoding: str = ""
    errors_file: Path | None = None


def pairs_for(langs: list[str], markets: list[str]) -> list[tuple[str, str]]:
    """Languages and markets pair up by position (``en,de`` with ``US,DE``); one market serves all."""
    for code in langs:
        resolve_language(code, where="--langs")
    for code in markets:
        get_market(code, where="--markets")
    if len(markets) == 1:
        return [(lang, markets[0]) for lang in langs]
    if len(markets) != len(langs):
        raise InputError(f"{len(langs)} languages but {len(markets)} markets", where="--markets",
                         fix="give one market for all languages, or one per language in the same order")
    return list(zip(langs, markets))


def make_spec(svc: Services, *, kinds: list[str], langs: list[str], markets: list[str], platform: str | None,
              variants: int, revise_rounds: int | None, mode: str, max_cost: float | None, llm) -> JobSpec:
    if not kinds:
        raise InputError("no content kind given", where="--kinds", fix="e.g. --kinds listing,search_ad,email")
    specs = [get_kind(k) for k in kinds]
    for spec in specs:
        if spec.context:
            raise InputError(f"{spec.name} answers a {spec.context} and cannot be drafted from a catalogue",
                             where="--kinds", fix="use `assistant generate` for replies")
        spec.platform_for(platform)
    if not 1 <= variants <= MAX_VARIANTS:
        raise InputError(f"--variants must be 1-{MAX_VARIANTS}, got {variants}", where="--variants")
    return JobSpec(kinds=[s.name for s in specs], pairs=pairs_for(langs, markets), platform=platform,
                   variants=variants, revise_rounds=revise_rounds, mode=mode, provider=llm.provider,
                   model=llm.model_name, max_cost=max_cost,
                   prompt_versions={s.name: svc.prompts.get(s.prompt).version for s in specs})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan_job(store: JobStore, catalogue: Path, spec: JobSpec, brand: str, out_dir: Path, *,
             column_map: Path | None = None) -> Plan:
    reader = Catalogue(catalogue, column_map=column_map)  # bad file type or header fails here
    job_id, created = store.find_or_create(job_key(file_sha256(catalogue), brand, spec),
                                           catalogue=str(catalogue.resolve()), brand=brand, spec=spec)
    job = store.job(job_id)
    if job.status != "planning":
        stats = job.stats
        return Plan(job_id, False, stats.get("rows", 0), stats.get("rejected", 0), stats.get("items", 0),
                    stats.get("encoding", ""), Path(stats["errors_file"]) if stats.get("errors_file") else None)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = Plan(job_id, created, encoding=reader.info.encoding, errors_file=out_dir / "errors.csv")
    chunk: list[tuple[str, Product]] = []
    with plan.errors_file.open("w", encoding="utf-8-sig", newline="") as fh:
        errors = csv.writer(fh)
        errors.writerow(["where", "reason", "raw"])
        for entry in reader:
            if isinstance(entry, RowError):
                plan.rejected += 1
                errors.writerow([entry.where, entry.reason, entry.raw])
                continue
            plan.rows += 1
            chunk.append(entry)
            if len(chunk) >= CHUNK:
                plan.items += _add(store, job_id, spec, chunk)
                chunk = []
        plan.items += _add(store, job_id, spec, chunk)
    if plan.rows == 0:
        store.set_job(job_id, status="cancelled", note="the catalogue holds no valid product")
        raise InputError(f"no valid product in the catalogue ({plan.rejected} rows rejected)", where=str(catalogue),
                         fix=f"see {plan.errors_file} for each row's reason")
    store.set_job(job_id, status="ready", stats={
        "rows": plan.rows, "rejected": plan.rejected, "items": plan.items, "encoding": plan.encoding,
        "errors_file": str(plan.errors_file), "columns": reader.info.columns})
    return plan


def _add(store: JobStore, job_id: int, spec: JobSpec, chunk: list[tuple[str, Product]]) -> int:
    ids = store.add_products(job_id, chunk)
    items = [{"product_id": ids[p.sku], "key": item_key(p, kind, lang, market, spec), "sku": p.sku, "kind": kind,
              "lang": lang, "market": market}
             for _, p in chunk for kind in spec.kinds for lang, market in spec.pairs]
    store.add_items(job_id, items)
    return len(items)
