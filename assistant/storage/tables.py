"""The workflow tables. The schema is created and changed only by the Alembic migrations in
``assistant/storage/migrations`` (applied automatically on start); these classes must match them.

content_items   one piece of copy (a listing for one product, language and market) and its state
content_versions every text it ever had (generation round, revision, human edit, product change) and
                 the product facts it was made from
findings        the checker's (and privacy scan's) findings for one version
review_decisions approve / reject / request changes, by whom, with the comment and any override
comments        free comments on an item
audit_log       who did what when (signed-in user, local single-user mode or system), before and after
item_views      the version each user last looked at
exports         one row per distinct export (same items + versions + format = same row)
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from assistant.storage.db import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("brand", "sku", name="uq_products_brand_sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand: Mapped[str] = mapped_column(String(80))
    sku: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BrandKitRow(Base):
    __tablename__ = "brand_kits"
    __table_args__ = (
        UniqueConstraint("brand", "version", name="uq_brand_kits_version"),
        UniqueConstraint("brand", "content_hash", name="uq_brand_kits_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ItemRow(Base):
    __tablename__ = "content_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    brand: Mapped[str] = mapped_column(String(80), index=True)
    sku: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(16), index=True)
    market: Mapped[str] = mapped_column(String(8))
    platform: Mapped[str | None] = mapped_column(String(40), nullable=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    brand_kit_id: Mapped[int | None] = mapped_column(ForeignKey("brand_kits.id"), nullable=True)
    origin_draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    current_version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": lock_version}


class VersionRow(Base):
    __tablename__ = "content_versions"
    __table_args__ = (UniqueConstraint("item_id", "number", name="uq_versions_item_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16), doc="generated | revision | edit")
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    score: Mapped[int] = mapped_column(Integer)
    error_count: Mapped[int] = mapped_column(Integer)
    warning_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    product: Mapped[dict | None] = mapped_column(JSON, nullable=True,
                                                 doc="snapshot of the product facts this version was made from")


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    rule_id: Mapped[str] = mapped_column(String(120))
    severity: Mapped[str] = mapped_column(String(8), index=True)
    field: Mapped[str | None] = mapped_column(String(80), nullable=True)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    matched: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_judged: Mapped[bool] = mapped_column(Boolean, default=False)


class DecisionRow(Base):
    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CommentRow(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("content_versions.id"), nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, doc="None: local mode")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(80), doc="user name, 'local' or 'system'")
    actor_mode: Mapped[str | None] = mapped_column(String(16), nullable=True, doc="user | local | system")
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(24))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class ItemViewRow(Base):
    """The version a user last looked at (``assistant show``): what ``approve`` binds to."""

    __tablename__ = "item_views"
    __table_args__ = (UniqueConstraint("user_id", "item_id", name="uq_item_views_user_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"))
    version: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExportRow(Base):
    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(24))
    path: Mapped[str] = mapped_column(Text)
    include_unapproved: Mapped[bool] = mapped_column(Boolean)
    item_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    times_written: Mapped[int] = mapped_column(Integer, default=1)


class ExportItemRow(Base):
    __tablename__ = "export_items"
    __table_args__ = (UniqueConstraint("export_id", "item_id", name="uq_export_items"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("exports.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
