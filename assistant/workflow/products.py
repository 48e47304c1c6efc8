"""Product facts and the copy made from them. Every version snapshots the product it was made from;
exports read that snapshot. When generation brings changed facts for a known product (same brand and
SKU), each open item of that product gets a new version with the new snapshot, and approved or
exported copy goes back to review: an approval never covers facts the reviewer did not see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.catalog import Product
from assistant.privacy import scan_product
from assistant.storage.audit import audit
from assistant.storage.items import add_version, current_version, merge_findings, report_of, upsert_product
from assistant.storage.tables import ItemRow, ProductRow, utcnow
from assistant.users.models import User
from assistant.workflow.access import who
from assistant.workflow.states import AFTER_EDIT

INPUT_PREFIX = "input."  # findings of the product scan (privacy) are on fields input.*


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Which product values changed: ``{"price": [old, new], "facts.url": [old, new]}``."""
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            out |= {f"{key}.{k}": v for k, v in changed_keys(old, new).items()}
        elif old != new:
            out[key] = [old, new]
    return out


def record_product(s: Session, brand: str, product: Product, actor: User, *, update: bool = True) -> ProductRow:
    """Store ``product`` (new, or the latest facts for its SKU); a change is audited and every open
    item made from the old facts gets a new version that needs review. ``update=False`` only adds
    a product not yet known (a translation keeps its source's facts without changing the product)."""
    if not update:
        known = s.scalar(select(ProductRow).where(ProductRow.brand == brand, ProductRow.sku == product.sku))
        if known is not None:
            return known
    row, before = upsert_product(s, brand, product)
    if before is None:
        return row
    document = row.document
    changes = changed_keys(before, document)
    audit(s, **who(actor), action="product.update", entity="product", entity_id=row.id,
          before={"sku": product.sku}, after={"sku": product.sku, "changes": changes})
    items = s.scalars(select(ItemRow).where(ItemRow.product_id == row.id, ItemRow.status.in_(AFTER_EDIT))
                      .order_by(ItemRow.id).with_for_update())
    for item in items:
        old = current_version(s, item)
        if old.product == document:
            continue
        kept = [f for f in report_of(s, old.id).findings if not (f.field or "").startswith(INPUT_PREFIX)]
        report = merge_findings(kept, scan_product(product))
        before_state = {"status": item.status, "version": item.current_version}
        add_version(s, item, number=item.current_version + 1, fields=old.fields, report=report, source="product",
                    author_id=actor.id, product=document)
        item.current_version += 1
        item.status, item.updated_at = AFTER_EDIT[item.status], utcnow()
        s.flush()
        audit(s, **who(actor), action="item.product_change", entity="item", entity_id=item.id, before=before_state,
              after={"status": item.status, "version": item.current_version, "changes": changes})
    return row
