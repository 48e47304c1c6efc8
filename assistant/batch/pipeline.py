"""One work item through the project's own Generator (the same drafting, checking, revising and
storing as ``assistant generate``), committed atomically with the item's state.

The Generator saves each round as it goes; in a batch those saves wait in a per-item buffer and are
written in one transaction together with the item's result, by the worker that holds its lease. A
worker killed mid-item therefore leaves no drafts and no content items behind, and the item is done
again from scratch (its model calls come from the response cache).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from assistant.batch.store import Claimed, JobSpec, JobStore, LeaseLost
from assistant.brand import BrandKit
from assistant.errors import InputError, NotFoundError, ProviderError
from assistant.generation.models import Draft
from assistant.generation.service import Generator
from assistant.generation.variants import angle_for
from assistant.llm import LLMHandle
from assistant.services import Services
from assistant.storage import DraftStore
from assistant.users.models import User
from assistant.storage.db import write_transaction

_buffer: contextvars.ContextVar[list[tuple[Draft, Any]]] = contextvars.ContextVar("batch_drafts")


class DraftBuffer:
    """The Generator's store during a batch: drafts (with their author) get provisional negative ids
    until the item commits; the acting user is checked by the real store."""

    def __init__(self, store: DraftStore):
        self.store = store

    def authorize(self, actor: Any) -> Any:
        return self.store.authorize(actor)

    def save(self, draft: Draft, actor: Any = None) -> Draft:
        drafts = _buffer.get()
        saved = draft.model_copy(update={"id": -(len(drafts) + 1)})
        drafts.append((saved, actor))
        return saved

    def get(self, draft_id: int) -> Draft:
        for draft, _ in _buffer.get([]):
            if draft.id == draft_id:
                return draft
        raise NotFoundError(f"no draft {draft_id} in this batch item")


@dataclass
class Outcome:
    item: Claimed
    status: str  # done | failed (stored) | error (no answer: retried later) | lost (taken over)
    record: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    provider_failure: bool = False


def batch_generator(svc: Services, llm: LLMHandle | None = None) -> Generator:
    """The Generator a batch uses: the services' own components, the batch's guarded model, drafts
    saved through the buffer. (The one place to adapt when generation's constructor changes.)"""
    return Generator(llm or svc.llm, svc.prompts, svc.checker, DraftBuffer(svc.drafts),  # type: ignore[arg-type]
                     retriever=svc.retriever,
                     revise_rounds=svc.settings.revise_rounds,
                     allow_customer_data=svc.settings.allow_customer_data_in_prompts)


def draft_item(gen: Generator, brand: BrandKit, spec: JobSpec, item: Claimed, actor: User | None) -> list[Draft]:
    """The Generator call for one item (its drafts go to a fresh buffer): the final drafts.
    ``actor``: the acting user, author of the drafts (``None``: local single-user mode)."""
    _buffer.set([])
    opts = dict(lang=item.lang, market=item.market, platform=spec.platform, revise_rounds=spec.revise_rounds,
                actor=actor)
    if spec.variants == 1:
        return [gen.generate(item.kind, item.product, brand, **opts)]
    return gen.generate_variants(item.kind, item.product, brand, n=spec.variants, **opts).drafts


def first_requests(gen: Generator, brand: BrandKit, spec: JobSpec, item: Claimed, actor: User | None) -> None:
    """Send the item's first request of each variant (the one each variant starts from), as
    ``draft_item`` would send them, ignoring refusals: the Batch API collector records them (its
    transport refuses what it records, which ends that variant there)."""
    _buffer.set([])
    angles = [None] if spec.variants == 1 else [angle_for(i) for i in range(spec.variants)]
    for angle in angles:
        try:
            gen.generate(item.kind, item.product, brand, lang=item.lang, market=item.market, platform=spec.platform,
                         angle=angle, revise_rounds=0, actor=actor)
        except ProviderError:
            pass  # the recorded request ended this variant


def process(svc: Services, gen: Generator, store: JobStore, brand: BrandKit, spec: JobSpec, item: Claimed,
            worker: str, actor: User | None = None) -> Outcome:
    """Generate one item and commit it (runs in a worker thread)."""
    try:
        finals = draft_item(gen, brand, spec, item, actor)
    except ProviderError as exc:
        store.release(item.id, worker, status="error", error=exc.what)
        return Outcome(item, "error", error=exc.what, provider_failure=True)
    except InputError as exc:  # e.g. a kind that needs --context: this item can never succeed
        finals, error = [], exc.render()
    else:
        error = None
    buffered = _buffer.get()
    try:
        return write_transaction(svc.engine, lambda s: _commit(s, svc, store, item, worker, buffered, finals, error),
                                 what="storing a batch item")
    except LeaseLost as exc:  # another worker has it now: its result counts, ours is dropped
        return Outcome(item, "lost", error=exc.what)


def _commit(s: Session, svc: Services, store: JobStore, item: Claimed, worker: str,
            buffered: list[tuple[Draft, Any]], finals: list[Draft], error: str | None) -> Outcome:
    ids: dict[int, int] = {}
    saved: dict[int, Draft] = {}
    for draft, actor in buffered:  # in order: a revision's original is saved before it
        real = svc.drafts.save_in(s, draft.model_copy(update={
            "id": None, "revision_of": ids.get(draft.revision_of, draft.revision_of)}), actor)
        ids[draft.id], saved[draft.id] = real.id, real
    drafts = [saved[d.id] for d in finals]
    status = "done" if drafts and all(d.status == "ok" for d in drafts) else "failed"
    record = item_record(item, drafts, error, chain=[saved[d.id] for d, _ in buffered], worker=worker)
    store.finish(s, item.id, worker, status=status, record=record, error=error or record.get("error"),
                 usage={k: record[k] for k in ("prompt_tokens", "completion_tokens", "cost_usd", "latency_ms")})
    return Outcome(item, status, record=record, error=error)


def item_record(item: Claimed, drafts: list[Draft], error: str | None, chain: list[Draft],
                worker: str = "") -> dict[str, Any]:
    """The item's line in results.jsonl (kept in the database too, so outputs can be rebuilt)."""
    versions = []
    for d in drafts:
        versions.append({
            "draft_id": d.id, "status": d.status, "round": d.round, "fields": d.fields, "score": d.report.score,
            "angle": d.request.angle, "error": d.error, "raw_output": d.raw_output if d.status != "ok" else None,
            "findings": [{"rule": f.rule_id, "category": f.category, "severity": f.severity, "field": f.field,
                          "message": f.message} for f in d.report.findings],
        })
    usage = [d.usage for d in chain]
    first_error = error or next((d.error for d in drafts if d.error), None)
    return {
        "item": item.id, "key": item.key, "sku": item.product.sku, "kind": item.kind, "lang": item.lang,
        "market": item.market, "status": "done" if drafts and all(d.status == "ok" for d in drafts) else "failed",
        "flagged": any(f["severity"] == "error" for v in versions for f in v["findings"]),
        "error": first_error, "drafts": versions, "attempts": item.attempts, "worker": worker,
        "prompt_tokens": sum(u.prompt_tokens for u in usage),
        "completion_tokens": sum(u.completion_tokens for u in usage),
        "cost_usd": round(sum(u.cost_usd or 0.0 for u in usage), 6),
        "latency_ms": sum(u.latency_ms for u in usage),
    }
