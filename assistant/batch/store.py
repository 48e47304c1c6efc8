"""The job store: jobs, their work items and leases, in the project's database (SQLite or PostgreSQL).

Workers claim items with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite serialises
the claim in one ``BEGIN IMMEDIATE`` transaction). A claim is a lease: the worker renews it while it
works; an item whose lease ran out, or whose worker is known dead, returns to the pool. An item is
finished in the same transaction that stores its drafts, and only by the worker holding its lease,
so no item is ever done twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assistant.batch.tables import BatchProductRow, CacheRow, ItemRow, JobRow, WorkerRow
from assistant.catalog import Product
from assistant.errors import AssistantError, NotFoundError
from assistant.batch.sqlite_cache import SqliteCache
from assistant.storage.db import is_sqlite, read_session, write_transaction
from assistant.storage.migrate import migrate
from assistant.storage.tables import utcnow

OPEN = ("pending", "running", "error")
FINISHED = ("done", "failed")
CHUNK = 500


class JobSpec(BaseModel):
    """What a job asks for; with the catalogue's content hash it makes the job's key."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[str]
    pairs: list[tuple[str, str]] = Field(description="(language, market) pairs")
    platform: str | None = None
    variants: int = 1
    revise_rounds: int | None = None
    mode: Literal["online", "openai-batch"] = "online"
    provider: str
    model: str
    prompt_versions: dict[str, int] = Field(default_factory=dict)
    max_cost: float | None = None


class LeaseLost(AssistantError):
    """Another worker took this item over (our lease ran out); our result is discarded."""


@dataclass
class Claimed:
    id: int
    key: str
    kind: str
    lang: str
    market: str
    attempts: int
    product: Product


def item_key(product: Product, kind: str, lang: str, market: str, spec: JobSpec) -> str:
    parts = [product.model_dump_json(), kind, lang, market, str(spec.variants), spec.platform or "",
             str(spec.prompt_versions.get(kind, 0)), spec.provider, spec.model]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        migrate(engine)
        self.sqlite_cache = SqliteCache.for_engine(engine)

    # ---- jobs -------------------------------------------------------------------------------------
    def find_or_create(self, key: str, *, catalogue: str, brand: str, spec: JobSpec) -> tuple[int, bool]:
        def work(s: Session) -> tuple[int, bool]:
            job = s.scalar(select(JobRow).where(JobRow.key == key))
            if job is not None:
                return job.id, False
            job = JobRow(key=key, status="planning", catalogue=catalogue, brand=brand,
                         spec=spec.model_dump(mode="json"), stats={}, remote={})
            s.add(job)
            s.flush()
            return job.id, True
        return write_transaction(self.engine, work, what="creating a batch job")

    def job(self, job_id: int) -> JobRow:
        with read_session(self.engine) as s:
            job = s.get(JobRow, job_id)
            if job is None:
                raise NotFoundError(f"no batch job {job_id}", fix="list jobs with `assistant batch list`")
            return job

    def spec(self, job_id: int) -> JobSpec:
        return JobSpec.model_validate(self.job(job_id).spec)

    def jobs(self) -> list[JobRow]:
        with read_session(self.engine) as s:
            return list(s.scalars(select(JobRow).order_by(JobRow.id)))

    def set_job(self, job_id: int, **values: Any) -> None:
        values["updated_at"] = utcnow()
        write_transaction(self.engine, lambda s: s.execute(update(JobRow).where(JobRow.id == job_id).values(**values)),
                          what="updating a batch job")

    def update_spec(self, job_id: int, **changes: Any) -> None:
        spec = self.spec(job_id).model_copy(update=changes)
        self.set_job(job_id, spec=spec.model_dump(mode="json"))

    # ---- planning: idempotent, so an interrupted plan simply runs again -----------------------------
    def add_products(self, job_id: int, rows: list[tuple[str, Product]]) -> dict[str, int]:
        """Insert products (an sku already there is kept); returns ``{sku: product id}``."""
        def work(s: Session) -> dict[str, int]:
            values = [{"job_id": job_id, "sku": p.sku, "row": where, "document": p.model_dump(mode="json")}
                      for where, p in rows]
            s.execute(self._insert(BatchProductRow).values(values).on_conflict_do_nothing())
            skus = [p.sku for _, p in rows]
            return dict(s.execute(select(BatchProductRow.sku, BatchProductRow.id)
                                  .where(BatchProductRow.job_id == job_id, BatchProductRow.sku.in_(skus))).all())
        return write_transaction(self.engine, work, what="planning a batch job") if rows else {}

    def add_items(self, job_id: int, items: list[dict[str, Any]]) -> None:
        if not items:
            return
        now = utcnow()
        values = [{**i, "job_id": job_id, "status": "pending", "attempts": 0, "prompt_tokens": 0,
                   "completion_tokens": 0, "cost_usd": 0.0, "latency_ms": 0, "updated_at": now} for i in items]
        write_transaction(self.engine, lambda s: s.execute(self._insert(ItemRow).values(values).on_conflict_do_nothing()),
                          what="planning a batch job")

    def _insert(self, table):
        return (sqlite.insert if is_sqlite(self.engine) else postgresql.insert)(table)

    # ---- workers and leases -------------------------------------------------------------------------
    def register_worker(self, job_id: int, worker: str) -> None:
        host, pid = worker.split(":")[0], int(worker.split(":")[1])
        write_transaction(self.engine, lambda s: s.merge(WorkerRow(id=worker, job_id=job_id, host=host, pid=pid,
                                                                   started_at=utcnow(), last_seen=utcnow())),
                          what="registering a batch worker")

    def claim(self, job_id: int, worker: str, n: int, lease_s: float) -> list[Claimed]:
        """Up to ``n`` items that are pending, or whose lease ran out; leased to ``worker``."""
        def work(s: Session) -> list[Claimed]:
            now = utcnow()
            query = (select(ItemRow.id).where(ItemRow.job_id == job_id,
                                              or_(ItemRow.status == "pending",
                                                  and_(ItemRow.status == "running", ItemRow.lease_until < now)))
                     .order_by(ItemRow.id).limit(n))
            if not is_sqlite(self.engine):
                query = query.with_for_update(skip_locked=True)
            ids = list(s.scalars(query))
            if not ids:
                return []
            s.execute(update(ItemRow).where(ItemRow.id.in_(ids)).values(
                status="running", lease_owner=worker, lease_until=now + timedelta(seconds=lease_s),
                attempts=ItemRow.attempts + 1, updated_at=now))
            rows = s.execute(select(ItemRow, BatchProductRow.document)
                             .join(BatchProductRow, BatchProductRow.id == ItemRow.product_id)
                             .where(ItemRow.id.in_(ids)).order_by(ItemRow.id)).all()
            return [Claimed(r.id, r.key, r.kind, r.lang, r.market, r.attempts, Product.model_validate(doc))
                    for r, doc in rows]
        return write_transaction(self.engine, work, what="claiming batch items")

    def renew(self, worker: str, ids: Iterable[int], lease_s: float) -> None:
        ids = list(ids)
        now = utcnow()

        def work(s: Session) -> None:
            s.execute(update(WorkerRow).where(WorkerRow.id == worker).values(last_seen=now))
            if ids:
                s.execute(update(ItemRow).where(ItemRow.id.in_(ids), ItemRow.lease_owner == worker,
                                                ItemRow.status == "running")
                          .values(lease_until=now + timedelta(seconds=lease_s)))
        write_transaction(self.engine, work, what="renewing batch leases")

    def reclaim_dead(self, job_id: int) -> int:
        """Items leased by a worker on this host whose process is gone go back to the pool now (a
        worker on another host is known dead only when its lease runs out)."""
        host = socket.gethostname()
        with read_session(self.engine) as s:
            workers = s.execute(select(WorkerRow.id, WorkerRow.pid)
                                .where(WorkerRow.job_id == job_id, WorkerRow.host == host)).all()
        dead = [w for w, pid in workers if not _alive(pid)]
        if not dead:
            return 0
        return write_transaction(self.engine, lambda s: s.execute(
            update(ItemRow).where(ItemRow.job_id == job_id, ItemRow.status == "running",
                                  ItemRow.lease_owner.in_(dead))
            .values(status="pending", lease_owner=None, lease_until=None)).rowcount, what="reclaiming batch items")

    def retry_errors(self, job_id: int) -> int:
        """Items that got no answer (endpoint errors) are tried again."""
        return write_transaction(self.engine, lambda s: s.execute(
            update(ItemRow).where(ItemRow.job_id == job_id, ItemRow.status.in_(("error", "cancelled")))
            .values(status="pending", lease_owner=None, lease_until=None)).rowcount, what="resuming a batch job")

    # ---- results ------------------------------------------------------------------------------------
    def finish(self, s: Session, item_id: int, worker: str, *, status: str, record: dict[str, Any],
               usage: dict[str, Any], error: str | None = None) -> None:
        """Inside the caller's transaction (the one that stores the drafts)."""
        done = s.execute(update(ItemRow).where(ItemRow.id == item_id, ItemRow.lease_owner == worker,
                                                ItemRow.status == "running")
                         .values(status=status, record=record, error=error, lease_owner=None, lease_until=None,
                                 updated_at=utcnow(), **usage)).rowcount
        if done != 1:
            raise LeaseLost(f"batch item {item_id} was taken over by another worker; this result is dropped")

    def release(self, item_id: int, worker: str, *, status: str, error: str) -> None:
        """Give an item back without a result (``error``: retried on resume; ``pending``: at once)."""
        write_transaction(self.engine, lambda s: s.execute(
            update(ItemRow).where(ItemRow.id == item_id, ItemRow.lease_owner == worker, ItemRow.status == "running")
            .values(status=status, error=error, lease_owner=None, lease_until=None, updated_at=utcnow())),
            what="releasing a batch item")

    def cancel(self, job_id: int) -> int:
        self.job(job_id)
        def work(s: Session) -> int:
            s.execute(update(JobRow).where(JobRow.id == job_id).values(status="cancelled", updated_at=utcnow()))
            return s.execute(update(ItemRow).where(ItemRow.job_id == job_id, ItemRow.status.in_(("pending", "error")))
                             .values(status="cancelled")).rowcount
        return write_transaction(self.engine, work, what="cancelling a batch job")

    def counts(self, job_id: int) -> dict[str, Any]:
        with read_session(self.engine) as s:
            rows = s.execute(select(ItemRow.status, func.count(), func.sum(ItemRow.prompt_tokens),
                                    func.sum(ItemRow.completion_tokens), func.sum(ItemRow.cost_usd))
                             .where(ItemRow.job_id == job_id).group_by(ItemRow.status)).all()
        out: dict[str, Any] = {"total": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}
        for status, n, pt, ct, cost in rows:
            out[status] = n
            out["total"] += n
            out["prompt_tokens"] += pt or 0
            out["completion_tokens"] += ct or 0
            out["cost_usd"] += cost or 0.0
        return out

    def records(self, job_id: int) -> Iterable[dict[str, Any]]:
        """Every finished item's output line, in item order (streamed in pages)."""
        last = 0
        while True:
            with read_session(self.engine) as s:
                page = s.execute(select(ItemRow.id, ItemRow.record).where(
                    ItemRow.job_id == job_id, ItemRow.id > last, ItemRow.status.in_(FINISHED))
                    .order_by(ItemRow.id).limit(CHUNK)).all()
            if not page:
                return
            for item_id, record in page:
                yield record
            last = page[-1][0]

    def work(self, job_id: int, statuses: tuple[str, ...] | None = None) -> Iterable[Claimed]:
        """The job's items with their products (optionally only in ``statuses``), streamed in pages."""
        last = 0
        while True:
            query = (select(ItemRow, BatchProductRow.document)
                     .join(BatchProductRow, BatchProductRow.id == ItemRow.product_id)
                     .where(ItemRow.job_id == job_id, ItemRow.id > last).order_by(ItemRow.id).limit(CHUNK))
            if statuses:
                query = query.where(ItemRow.status.in_(statuses))
            with read_session(self.engine) as s:
                page = s.execute(query).all()
            if not page:
                return
            for r, doc in page:
                yield Claimed(r.id, r.key, r.kind, r.lang, r.market, r.attempts, Product.model_validate(doc))
            last = page[-1][0].id

    def items(self, job_id: int, *, status: str | None = None, ids: list[int] | None = None) -> list[ItemRow]:
        query = select(ItemRow).where(ItemRow.job_id == job_id).order_by(ItemRow.id)
        if status:
            query = query.where(ItemRow.status == status)
        if ids is not None:
            query = query.where(ItemRow.id.in_(ids))
        with read_session(self.engine) as s:
            return list(s.scalars(query))

    # ---- response cache -----------------------------------------------------------------------------
    def cache_get(self, key: str) -> str | None:
        if self.sqlite_cache is not None:
            return self.sqlite_cache.get(key)
        with self.engine.connect() as c:  # a plain read: no ORM session to set up for one value
            return c.execute(select(CacheRow.response).where(CacheRow.key == key)).scalar()

    def cache_put(self, key: str, response: str) -> None:
        self.cache_put_many({key: response})

    def cache_put_many(self, entries: dict[str, str]) -> None:
        """Several answers in one transaction (an answer already cached under its key is kept)."""
        if not entries:
            return
        if self.sqlite_cache is not None:
            return self.sqlite_cache.put_many(sorted(entries.items()))
        now = utcnow()
        # in key order: two workers caching the same answers lock their keys in one order (no deadlock)
        rows = [{"key": key, "response": response, "created_at": now} for key, response in sorted(entries.items())]
        # one statement run for every row (compiled once and reused, unlike a many-row VALUES)
        insert = self._insert(CacheRow.__table__).on_conflict_do_nothing()
        write_transaction(self.engine, lambda s: s.connection().execute(insert, rows), what="caching model responses")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def job_key(catalogue_sha: str, brand: str, spec: JobSpec) -> str:
    payload = json.dumps([catalogue_sha, brand, spec.model_dump(mode="json", exclude={"max_cost"})], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()
