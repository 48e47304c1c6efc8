"""Drafts table: every draft with its product, request, output, findings, provider/model, prompt
name+version, tokens, cost and timing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.errors import NotFoundError
from assistant.generation.models import Draft
from assistant.storage.db import Base, read_session, write_transaction
from assistant.storage.migrate import migrate

OnSave = Callable[[Session, Draft, Any], object]  # (session, saved draft, acting user or None)
Authorize = Callable[[Any], Any]  # acting user -> the user as allowed to generate (raises otherwise)


class DraftRow(Base):
    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    brand: Mapped[str] = mapped_column(String(80), index=True)
    sku: Mapped[str] = mapped_column(String(120), index=True)
    lang: Mapped[str] = mapped_column(String(16), index=True)
    market: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200))
    prompt_name: Mapped[str] = mapped_column(String(80))
    prompt_version: Mapped[int] = mapped_column(Integer)
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    latency_ms: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    error_count: Mapped[int] = mapped_column(Integer)
    raw_output: Mapped[str] = mapped_column(Text)
    document: Mapped[dict] = mapped_column(JSON, doc="the full Draft as JSON")


class DraftStore:
    """``on_save`` runs in the same transaction as the insert (the workflow turns each draft into a
    content item, or a revision into a new version of its item, authored by the acting user).
    ``authorize`` lets the generator check the acting user before it pays for a model call."""

    def __init__(self, engine: Engine, on_save: OnSave | None = None, authorize: Authorize | None = None):
        self.engine = engine
        self.on_save = on_save
        self._authorize = authorize
        migrate(engine)

    def authorize(self, actor: Any) -> Any:
        """``actor`` as allowed to generate (unchanged when no workflow is attached)."""
        return self._authorize(actor) if self._authorize is not None else actor

    def save(self, draft: Draft, actor: Any = None) -> Draft:
        """Store ``draft``; ``actor`` (a ``User``; ``None``: local single-user mode) is its author."""
        return write_transaction(self.engine, lambda session: self._save(session, draft, actor),
                                 what="saving a draft")

    def save_in(self, session: Session, draft: Draft, actor: Any = None) -> Draft:
        """Save inside the caller's transaction (a batch item stores its drafts with its own state)."""
        return self._save(session, draft, actor)

    def _save(self, session: Session, draft: Draft, actor: Any) -> Draft:
        row = DraftRow(
            created_at=draft.created_at, kind=draft.request.kind, brand=draft.request.brand,
            sku=draft.request.product.sku, lang=draft.request.lang, market=draft.request.market,
            status=draft.status, provider=draft.provider, model=draft.model,
            prompt_name=draft.prompt_name, prompt_version=draft.prompt_version,
            prompt_tokens=draft.usage.prompt_tokens, completion_tokens=draft.usage.completion_tokens,
            cost_usd=draft.usage.cost_usd, latency_ms=draft.usage.latency_ms,
            score=draft.report.score, error_count=draft.report.counts()["error"],
            raw_output=draft.raw_output, document={},
        )
        session.add(row)
        session.flush()
        saved = draft.model_copy(update={"id": row.id})
        row.document = saved.model_dump(mode="json")
        if self.on_save is not None:
            self.on_save(session, saved, actor)
        return saved

    def get(self, draft_id: int) -> Draft:
        with read_session(self.engine) as session:
            row = session.get(DraftRow, draft_id)
            if row is None:
                raise NotFoundError(f"no draft with id {draft_id}", fix="list drafts with `assistant export`")
            return Draft.model_validate(row.document)

    def list(self, *, kind: str | None = None, brand: str | None = None, ids: list[int] | None = None) -> list[Draft]:
        query = select(DraftRow).order_by(DraftRow.id)
        if kind:
            query = query.where(DraftRow.kind == kind)
        if brand:
            query = query.where(DraftRow.brand == brand)
        if ids is not None:
            query = query.where(DraftRow.id.in_(ids))
        with read_session(self.engine) as session:
            return [Draft.model_validate(row.document) for row in session.scalars(query)]
