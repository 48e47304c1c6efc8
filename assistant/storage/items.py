"""Rows the workflow builds on: products, versioned brand kits, content versions and their findings."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.catalog import Product
from assistant.compliance.models import CheckReport, Finding, score_for
from assistant.storage.tables import (
    BrandKitRow, FindingRow, ItemRow, ProductRow, VersionRow, utcnow,
)


def upsert_product(s: Session, brand: str, product: Product) -> tuple[ProductRow, dict[str, Any] | None]:
    """The product row for (brand, sku), created or refreshed with the latest data, and the document
    it had before when this changed it (``None``: new or unchanged)."""
    document = product.model_dump(mode="json")
    row = s.scalar(select(ProductRow).where(ProductRow.brand == brand, ProductRow.sku == product.sku))
    if row is None:
        row = ProductRow(brand=brand, sku=product.sku, name=product.name, document=document)
        s.add(row)
        s.flush()
        return row, None
    if row.document == document:
        return row, None
    before = row.document
    row.document, row.name, row.updated_at = document, product.name, utcnow()
    return row, before


def record_brand_kit(s: Session, brand: str, document: dict[str, Any]) -> BrandKitRow:
    """A new version when the kit's content changed since the last recorded one; else that one."""
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    row = s.scalar(select(BrandKitRow).where(BrandKitRow.brand == brand, BrandKitRow.content_hash == digest))
    if row is not None:
        return row
    last = s.scalar(select(func.max(BrandKitRow.version)).where(BrandKitRow.brand == brand)) or 0
    row = BrandKitRow(brand=brand, version=last + 1, content_hash=digest, document=document)
    s.add(row)
    s.flush()
    return row


def latest_brand_kit(s: Session, brand: str) -> BrandKitRow | None:
    return s.scalar(select(BrandKitRow).where(BrandKitRow.brand == brand).order_by(BrandKitRow.version.desc()))


def merge_findings(*reports: list[Finding]) -> CheckReport:
    """One report from several sources (checker, privacy scan); the same finding only once."""
    seen, out = set(), []
    for findings in reports:
        for f in findings:
            key = (f.rule_id, f.field, f.start, f.end)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return CheckReport(findings=out, score=score_for(out))


def add_version(
    s: Session, item: ItemRow, *, number: int, fields: dict[str, Any], report: CheckReport, source: str,
    author_id: int | None, product: dict[str, Any] | None, draft_id: int | None = None,
) -> VersionRow:
    """A new version of ``item``; ``product`` is the snapshot of the product facts it was made from
    (exports read it, so a later product change cannot alter approved copy)."""
    counts = report.counts()
    version = VersionRow(item_id=item.id, number=number, fields=fields, source=source, draft_id=draft_id,
                         author_id=author_id, score=report.score, error_count=counts["error"],
                         warning_count=counts["warning"], created_at=utcnow(), product=product)
    s.add(version)
    s.flush()
    for f in report.findings:
        s.add(FindingRow(
            version_id=version.id, category=f.category, rule_id=f.rule_id, severity=f.severity,
            field=f.field, span_start=f.start, span_end=f.end, message=f.message, suggestion=f.suggestion,
            source=f.source, matched=f.matched, model_judged=f.model_judged,
        ))
    return version


def report_of(s: Session, version_id: int) -> CheckReport:
    rows = s.scalars(select(FindingRow).where(FindingRow.version_id == version_id).order_by(FindingRow.id))
    findings = [
        Finding(category=r.category, rule_id=r.rule_id, severity=r.severity, start=r.span_start, end=r.span_end,
                message=r.message, suggestion=r.suggestion, field=r.field, source=r.source, matched=r.matched,
                model_judged=r.model_judged)
        for r in rows
    ]
    version = s.get(VersionRow, version_id)
    return CheckReport(findings=findings, score=version.score if version else 100)


def version_product(s: Session, item: ItemRow, version: VersionRow) -> Product:
    """The product facts ``version`` was made from (its snapshot; the product row for old rows)."""
    document = version.product if version.product is not None else s.get(ProductRow, item.product_id).document
    return Product.model_validate(document)


def current_version(s: Session, item: ItemRow) -> VersionRow:
    return s.scalar(select(VersionRow).where(VersionRow.item_id == item.id, VersionRow.number == item.current_version))
