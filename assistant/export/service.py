"""Exports of approved copy: select, render, write atomically, record, mark items exported.

Only approved (or already exported) items leave the system, at the version that was approved, with the
product facts that version was made from (its snapshot, never the product's current row).
``include_unapproved`` adds items not yet approved (never rejected ones); such a file's name starts
with ``UNAPPROVED-``, it says so inside where the format allows, and its record says so.
The same items at the same versions, in the same format to the same place, are one export record:
exporting twice rewrites the file and counts it, it does not add records.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.errors import InputError
from assistant.export.email import EmailRenderer
from assistant.export.files import write_atomic
from assistant.export.formats import FORMATS, ExportFormat
from assistant.export.items import ExportItem, RenderContext
from assistant.generation.models import Draft
from assistant.storage.audit import audit
from assistant.storage.db import read_session, write_transaction
from assistant.storage.drafts import DraftRow
from assistant.storage.items import current_version, report_of, version_product
from assistant.storage.tables import BrandKitRow, DecisionRow, ExportItemRow, ExportRow, ItemRow, UserRow, VersionRow, utcnow
from assistant.users.models import User
from assistant.workflow import Workflow
from assistant.workflow.access import who
from assistant.workflow.states import APPROVED


@dataclass
class Selection:
    brand: str | None = None
    lang: str | None = None
    market: str | None = None
    kind: str | None = None
    ids: list[int] | None = None


@dataclass
class ExportResult:
    path: Path
    export_id: int
    items: int
    unapproved: int
    new_record: bool
    marked_exported: list[int] = field(default_factory=list)


class ExportService:
    def __init__(self, engine: Engine, workflow: Workflow,
                 email_renderer: EmailRenderer | None = None):
        """``email_renderer`` renders an e-mail item with the brand's template (footer included), from
        the brand kit version the item was generated with."""
        self.engine = engine
        self.workflow = workflow
        self.email_renderer = email_renderer

    def export(
        self, fmt: str, out_dir: Path, *, actor: User | None, include_unapproved: bool = False,
        selection: Selection | None = None, bom: bool | None = None, ctx: RenderContext | None = None,
    ) -> ExportResult:
        spec = FORMATS.get(fmt)
        if spec is None:
            raise InputError(f"unknown export format '{fmt}'", where="--format", fix=f"use one of: {', '.join(FORMATS)}")
        if actor is not None:  # None: the system (e.g. a scheduled job); users are checked as they are now
            actor = self.workflow.authorize(actor, "export")
        items = self.items(spec, selection or Selection(), include_unapproved)
        unapproved = sum(not i.approved for i in items)
        ctx = (ctx or RenderContext()).model_copy(update={"unapproved": unapproved > 0})
        out_dir = Path(out_dir).resolve()
        for rel, data in spec.files(items, ctx).items():
            use_bom = spec.bom if bom is None else bom
            write_atomic(out_dir / rel, data, encoding="utf-8-sig" if use_bom else "utf-8")
        path = out_dir / spec.target_for(ctx.unapproved)
        return self._record(spec, path, items, actor, include_unapproved, unapproved)

    # ---- selection ----------------------------------------------------------------------------
    def items(self, spec: ExportFormat, sel: Selection, include_unapproved: bool) -> list[ExportItem]:
        query = select(ItemRow).order_by(ItemRow.id)
        for column, value in ((ItemRow.brand, sel.brand), (ItemRow.lang, sel.lang), (ItemRow.market, sel.market),
                              (ItemRow.kind, sel.kind)):
            if value:
                query = query.where(column == value)
        if sel.ids is not None:
            query = query.where(ItemRow.id.in_(sel.ids))
        if spec.kinds is not None:
            query = query.where(ItemRow.kind.in_(spec.kinds))
        wanted = query.where(ItemRow.status != "rejected") if include_unapproved else query.where(
            ItemRow.status.in_(APPROVED))
        with read_session(self.engine) as s:
            rows = list(s.scalars(wanted))
            if not rows:
                raise InputError(_nothing(s, query, spec), fix=(
                    "approve items first (`assistant queue --status in_review`), or pass --include-unapproved "
                    "(the file is then marked UNAPPROVED)"))
            items = [_export_item(s, row) for row in rows]
            kits = {row.id: s.get(BrandKitRow, row.brand_kit_id).document for row in rows if row.brand_kit_id}
        if self.email_renderer is not None:
            items = [i.model_copy(update={"html": self.email_renderer(i, kits.get(i.item_id))}) if i.kind == "email"
                     else i for i in items]
        langs = sorted({i.lang for i in items})
        if spec.one_language and len(langs) > 1:
            raise InputError(f"{spec.name} imports one language per file; the selection has {', '.join(langs)}",
                             where="--lang", fix=f"export once per language: --lang {langs[0]}, ...")
        return items

    # ---- recording ----------------------------------------------------------------------------
    def _record(self, spec: ExportFormat, path: Path, items: list[ExportItem], actor: User | None,
                include_unapproved: bool, unapproved: int) -> ExportResult:
        versions = {i.item_id: i.version for i in items}
        fingerprint = hashlib.sha256(json.dumps(
            [spec.name, str(path), sorted(versions.items()), unapproved > 0]).encode()).hexdigest()
        actor_id = actor.id if actor else None

        def work(s: Session) -> ExportResult:
            row = s.scalar(select(ExportRow).where(ExportRow.fingerprint == fingerprint))
            new = row is None
            if new:
                row = ExportRow(fingerprint=fingerprint, format=spec.name, path=str(path),
                                include_unapproved=unapproved > 0, item_count=len(items), created_by=actor_id,
                                created_at=utcnow(), last_written_at=utcnow(), times_written=1)
                s.add(row)
                s.flush()
                for item in items:
                    version_id = _version_id(s, item)
                    s.add(ExportItemRow(export_id=row.id, item_id=item.item_id, version_id=version_id))
            else:
                row.times_written += 1
                row.last_written_at = utcnow()
            audit(s, **who(actor), action="export.create" if new else "export.rewrite",
                  entity="export", entity_id=row.id,
                  after={"format": spec.name, "path": str(path), "items": sorted(versions),
                         "include_unapproved": include_unapproved, "unapproved_items": unapproved,
                         "times_written": row.times_written})
            approved = {i.item_id: i.version for i in items if i.approved}
            marked = self.workflow.mark_exported(s, approved, actor=actor, export_id=row.id)
            return ExportResult(path=path, export_id=row.id, items=len(items), unapproved=unapproved,
                                new_record=new, marked_exported=marked)

        return write_transaction(self.engine, work, what=f"recording the {spec.name} export")

    def records(self) -> list[ExportRow]:
        with read_session(self.engine) as s:
            return list(s.scalars(select(ExportRow).order_by(ExportRow.id)))


def _nothing(s: Session, query, spec: ExportFormat) -> str:
    counts = _status_counts(s, query)
    what = f"{spec.name} export" + (f" ({', '.join(sorted(spec.kinds))} items)" if spec.kinds else "")
    if not counts:
        return f"nothing to export for the {what}: no matching items stored yet"
    waiting = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return f"nothing to export for the {what}: no approved items ({waiting})"


def _status_counts(s: Session, query) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in s.scalars(query):
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def _version_id(s: Session, item: ExportItem) -> int:
    return s.scalar(select(VersionRow.id).where(VersionRow.item_id == item.item_id,
                                                VersionRow.number == item.version))


def _export_item(s: Session, row: ItemRow) -> ExportItem:
    version = current_version(s, row)
    draft_id = version.draft_id or row.origin_draft_id
    draft_row = s.get(DraftRow, draft_id) if draft_id else None
    draft = Draft.model_validate(draft_row.document) if draft_row else None
    decision = s.scalar(select(DecisionRow).where(DecisionRow.item_id == row.id, DecisionRow.version_id == version.id,
                                                  DecisionRow.decision == "approved").order_by(DecisionRow.id.desc()))
    reviewer = s.get(UserRow, decision.reviewer_id).name if decision and row.status in APPROVED else None
    return ExportItem(
        item_id=row.id, version=version.number, status=row.status, kind=row.kind, brand=row.brand, sku=row.sku,
        lang=row.lang, market=row.market, platform=row.platform,
        product=version_product(s, row, version),
        fields=version.fields, report=report_of(s, version.id),
        provider=draft.provider if draft else None, model=draft.model if draft else None,
        prompt=f"{draft.prompt_name}@v{draft.prompt_version}" if draft else None,
        usage=draft.usage if draft and version.source != "edit" else None,
        approved_by=reviewer, approved_at=decision.created_at if reviewer else None,
    )
