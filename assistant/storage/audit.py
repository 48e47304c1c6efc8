"""The audit log: one row per change, written in the same transaction as the change itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.storage.tables import AuditRow, utcnow

SYSTEM = "system"


def audit(
    session: Session, *, actor_id: int | None, actor: str, action: str, entity: str,
    entity_id: int | None, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
    mode: str | None = None,
) -> AuditRow:
    """``mode``: 'user' (signed in), 'local' (single-user mode) or 'system'; by default 'user' when
    there is an ``actor_id``, else 'system'."""
    mode = mode or ("user" if actor_id is not None else "system")
    row = AuditRow(at=utcnow(), actor_id=actor_id, actor=actor, actor_mode=mode, action=action, entity=entity,
                   entity_id=entity_id, before=before, after=after)
    session.add(row)
    return row


def audit_entries(session: Session, *, entity: str | None = None, entity_id: int | None = None) -> list[AuditRow]:
    query = select(AuditRow).order_by(AuditRow.id)
    if entity:
        query = query.where(AuditRow.entity == entity)
    if entity_id is not None:
        query = query.where(AuditRow.entity_id == entity_id)
    return list(session.scalars(query))
