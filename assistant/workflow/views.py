"""Build workflow views from rows (one place that knows how rows become ``ItemView``s)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.storage.items import current_version, report_of, version_product
from assistant.storage.tables import CommentRow, DecisionRow, ItemRow, UserRow, VersionRow
from assistant.users.models import LOCAL
from assistant.workflow.diff import first_text
from assistant.workflow.models import CommentView, DecisionView, ItemSummary, ItemView, VersionView


def _names(s: Session) -> dict[int, str]:
    return {row.id: row.name for row in s.execute(select(UserRow.id, UserRow.name))}


def _base(item: ItemRow, version: VersionRow) -> dict:
    return dict(id=item.id, kind=item.kind, brand=item.brand, sku=item.sku, lang=item.lang, market=item.market,
                platform=item.platform, status=item.status, version=item.current_version,
                errors=version.error_count, warnings=version.warning_count, title=first_text(version.fields)[:120],
                updated_at=item.updated_at)


def summary(s: Session, item: ItemRow) -> ItemSummary:
    return ItemSummary(**_base(item, current_version(s, item)))


def item_view(s: Session, item: ItemRow) -> ItemView:
    names = _names(s)
    versions = list(s.scalars(select(VersionRow).where(VersionRow.item_id == item.id).order_by(VersionRow.number)))
    numbers = {v.id: v.number for v in versions}
    decisions = s.scalars(select(DecisionRow).where(DecisionRow.item_id == item.id).order_by(DecisionRow.id))
    comments = s.scalars(select(CommentRow).where(CommentRow.item_id == item.id).order_by(CommentRow.id))
    current = next(v for v in versions if v.number == item.current_version)
    return ItemView(
        **_base(item, current),
        product=version_product(s, item, current),
        created_by=names.get(item.created_by) if item.created_by else None,
        created_at=item.created_at, lock_version=item.lock_version,
        versions=[VersionView(number=v.number, source=v.source, author=names.get(v.author_id) if v.author_id else None,
                              created_at=v.created_at, fields=v.fields, report=report_of(s, v.id), draft_id=v.draft_id,
                              product=version_product(s, item, v))
                  for v in versions],
        decisions=[DecisionView(decision=d.decision, reviewer=names[d.reviewer_id], version=numbers[d.version_id],
                                comment=d.comment, override_reason=d.override_reason, created_at=d.created_at)
                   for d in decisions],
        comments=[CommentView(author=names[c.author_id] if c.author_id is not None else LOCAL,
                              version=numbers.get(c.version_id), body=c.body,
                              created_at=c.created_at) for c in comments],
    )
