"""The batch tables (created by migration 0002; these classes must match it).

batch_jobs      one run over a catalogue: its options, state and (OpenAI Batch API mode) its step
batch_products  the catalogue's valid rows, once per job (items point here, so the catalogue is read once)
batch_items     one unit of work (product x kind x language x market, with N variants), unique per job by
                its idempotency key; leased by one worker at a time; ``record`` is its output line
batch_workers   every worker process that joined a job (host, pid, last heartbeat)
batch_cache     responses by request hash: an identical request is never paid for twice
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.storage.db import Base
from assistant.storage.tables import utcnow


class JobRow(Base):
    __tablename__ = "batch_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, doc="catalogue content hash + options")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), doc="planning | ready | running | paused | done | cancelled")
    note: Mapped[str | None] = mapped_column(Text, nullable=True, doc="why it paused or stopped")
    catalogue: Mapped[str] = mapped_column(Text)
    brand: Mapped[str] = mapped_column(String(80))
    spec: Mapped[dict] = mapped_column(JSON, doc="JobSpec as JSON")
    stats: Mapped[dict] = mapped_column(JSON, default=dict, doc="catalogue rows read, rejected, encoding")
    remote: Mapped[dict] = mapped_column(JSON, default=dict, doc="OpenAI Batch API mode: file and batch ids")


class BatchProductRow(Base):
    __tablename__ = "batch_products"
    __table_args__ = (UniqueConstraint("job_id", "sku", name="uq_batch_products_sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("batch_jobs.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(120))
    row: Mapped[str] = mapped_column(String(40), doc="where in the catalogue: 'line 7' or 'row 7'")
    document: Mapped[dict] = mapped_column(JSON)


class ItemRow(Base):
    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("job_id", "key", name="uq_batch_items_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("batch_jobs.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("batch_products.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64), doc="idempotency key: product, kind, language, market, "
                                     "variants, prompt version, model")
    sku: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    lang: Mapped[str] = mapped_column(String(16))
    market: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True,
                                        doc="pending | running | done | failed | error | cancelled")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    record: Mapped[dict | None] = mapped_column(JSON, nullable=True, doc="the item's results.jsonl line")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WorkerRow(Base):
    __tablename__ = "batch_workers"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("batch_jobs.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CacheRow(Base):
    __tablename__ = "batch_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True, doc="sha256 of endpoint + request body")
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
