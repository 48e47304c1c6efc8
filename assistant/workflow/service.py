"""The review workflow. Every method that changes something runs in one write transaction that
re-reads and locks the item, applies the rules to what it finds, writes the change and its audit
entry, and is retried if another process won a race (``write_transaction``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import Session

from assistant.catalog import Product
from assistant.compliance.checker import Checker
from assistant.compliance.models import CheckReport
from assistant.errors import InputError, NotFoundError
from assistant.generation.models import Draft
from assistant.privacy import scan_fields, scan_product
from assistant.storage.audit import SYSTEM, audit, audit_entries
from assistant.storage.db import read_session, write_transaction
from assistant.storage.items import (
    add_version, current_version, latest_brand_kit, merge_findings, record_brand_kit, upsert_product,
)
from assistant.storage.migrate import migrate
from assistant.storage.tables import (
    CommentRow, DecisionRow, FindingRow, ItemRow, ProductRow, UserRow, VersionRow, utcnow,
)
from assistant.users.models import PermissionDenied, User
from assistant.workflow.editing import validate_edit
from assistant.workflow.models import AuditView, ItemSummary, ItemView
from assistant.workflow.states import (
    AFTER_EDIT, MIN_OVERRIDE_REASON, STATUSES, TRANSITIONS, BlockedError, ConflictError, TransitionError,
    next_actions,
)
from assistant.workflow.views import item_view, summary

DECISIONS = ("approve", "reject", "request_changes")


class Workflow:
    def __init__(self, engine: Engine, checker: Callable[[], Checker]):
        """``checker`` builds the checker when an edit first needs it (reading never loads rules)."""
        self.engine = engine
        self._checker = checker
        self._kits: set[str] = set()
        migrate(engine)

    def record_brand_kit(self, brand: str, document: dict[str, Any]) -> None:
        """Store the kit as a new version when its content changed (items point at the version)."""
        key = f"{brand}:{hash(json.dumps(document, sort_keys=True))}"
        if key not in self._kits:
            write_transaction(self.engine, lambda s: record_brand_kit(s, brand, document), what="recording a brand kit")
            self._kits.add(key)

    # ---- generation feeds the workflow ----------------------------------------------------
    def record_draft(self, s: Session, draft: Draft, *, author: str | None = None) -> int | None:
        """Called by ``DraftStore.save`` in its transaction: a new item (version 1, ``draft``), or,
        for a revision (``draft.revision_of``), a new version of the revised draft's item."""
        if draft.status != "ok" or not draft.fields:
            return None
        req = draft.request
        user = s.scalar(select(UserRow).where(UserRow.name == author, UserRow.active.is_(True))) if author else None
        actor_id, actor = (user.id, user.name) if user else (None, SYSTEM)
        product = upsert_product(s, req.brand, req.product)
        report = merge_findings(draft.report.findings, scan_fields(draft.fields), scan_product(req.product))
        item = self._revised_item(s, draft.revision_of) if draft.revision_of else None
        if item is not None:
            before = {"status": item.status, "version": item.current_version}
            add_version(s, item, number=item.current_version + 1, fields=draft.fields, report=report,
                        source="revision", author_id=actor_id, draft_id=draft.id)
            item.current_version += 1
            item.status = AFTER_EDIT[item.status]
            item.updated_at = utcnow()
            s.flush()
            audit(s, actor_id=actor_id, actor=actor, action="item.revise", entity="item", entity_id=item.id,
                  before=before, after={"status": item.status, "version": item.current_version, "draft_id": draft.id})
            return item.id
        kit = latest_brand_kit(s, req.brand)
        item = ItemRow(kind=req.kind, brand=req.brand, sku=req.product.sku, lang=req.lang, market=req.market,
                       platform=req.platform, product_id=product.id, brand_kit_id=kit.id if kit else None,
                       origin_draft_id=draft.id, status="draft", current_version=1, created_by=actor_id,
                       created_at=utcnow(), updated_at=utcnow())
        s.add(item)
        s.flush()
        add_version(s, item, number=1, fields=draft.fields, report=report, source="generated",
                    author_id=actor_id, draft_id=draft.id)
        audit(s, actor_id=actor_id, actor=actor, action="item.create", entity="item", entity_id=item.id,
              after={"status": "draft", "version": 1, "draft_id": draft.id, "fields": draft.fields})
        return item.id

    def _revised_item(self, s: Session, draft_id: int) -> ItemRow | None:
        item_id = s.scalar(select(VersionRow.item_id).where(VersionRow.draft_id == draft_id))
        item = s.get(ItemRow, item_id, with_for_update=True) if item_id else None
        return item if item is not None and item.status in AFTER_EDIT else None

    # ---- transitions ------------------------------------------------------------------------
    def submit(self, item_id: int, actor: User, *, comment: str | None = None) -> ItemView:
        return self._transition(item_id, actor, "submit", comment=comment)

    def approve(self, item_id: int, actor: User, *, comment: str | None = None, override_reason: str | None = None,
                expected_version: int | None = None) -> ItemView:
        return self._transition(item_id, actor, "approve", comment=comment, override_reason=override_reason,
                                expected_version=expected_version)

    def reject(self, item_id: int, actor: User, *, comment: str, expected_version: int | None = None) -> ItemView:
        return self._transition(item_id, actor, "reject", comment=comment, expected_version=expected_version)

    def request_changes(self, item_id: int, actor: User, *, comment: str,
                        expected_version: int | None = None) -> ItemView:
        return self._transition(item_id, actor, "request_changes", comment=comment,
                                expected_version=expected_version)

    def _transition(self, item_id: int, actor: User, action: str, *, comment: str | None = None,
                    override_reason: str | None = None, expected_version: int | None = None) -> ItemView:
        t = TRANSITIONS[action]
        comment = (comment or "").strip() or None
        if t.needs_comment and not comment:
            raise InputError(f"{action.replace('_', ' ')} needs a comment that tells the writer why",
                             where="--comment", fix='add --comment "..."')

        def work(s: Session) -> None:
            item = _lock(s, item_id)
            user = _allowed(s, actor, t.permission, item_id)
            if item.status not in t.sources:
                raise TransitionError(
                    f"item {item_id} is {item.status}; '{action}' needs {' or '.join(sorted(t.sources))}",
                    fix=f"allowed now: {', '.join(next_actions(item.status)) or 'nothing (final)'}")
            _expect(item, expected_version)
            version = current_version(s, item)
            override = None
            if action == "approve":
                if user.id in _authors(s, item):
                    raise PermissionDenied(f"'{user.name}' wrote or edited item {item_id} and cannot approve it",
                                           fix="another reviewer must approve it")
                if version.error_count:
                    override = _override(s, version, override_reason, item_id)
            before = {"status": item.status, "version": item.current_version}
            item.status, item.updated_at = t.target, utcnow()
            if action in DECISIONS:
                s.add(DecisionRow(item_id=item.id, version_id=version.id, reviewer_id=user.id, decision=t.target,
                                  comment=comment or "", override_reason=override, created_at=utcnow()))
            elif comment:
                s.add(CommentRow(item_id=item.id, version_id=version.id, author_id=user.id, body=comment,
                                 created_at=utcnow()))
            s.flush()
            after: dict[str, Any] = {"status": t.target, "version": item.current_version}
            if comment:
                after["comment"] = comment
            if override:
                after["override_reason"] = override
            audit(s, actor_id=user.id, actor=user.name, action=f"item.{action}", entity="item",
                  entity_id=item.id, before=before, after=after)

        write_transaction(self.engine, work, what=f"{action} item {item_id}")
        return self.get(item_id)

    # ---- edits and comments -----------------------------------------------------------------
    def edit(self, item_id: int, actor: User, fields: dict[str, Any], *, base_version: int,
             comment: str | None = None) -> ItemView:
        """A new version from ``fields``, checked again. ``base_version`` is the version the editor
        started from: if someone saved another version meanwhile, this raises ``ConflictError``.
        The checker runs before the write transaction (it may take a while on a long text); inside,
        the result is used only if the version and product it was computed for are still current."""
        checked = self._check_edit(item_id, fields)

        def work(s: Session) -> None:
            item = _lock(s, item_id)
            user = _allowed(s, actor, "edit", item_id)
            if item.status not in AFTER_EDIT:
                raise TransitionError(f"item {item_id} is {item.status} and cannot be edited",
                                      fix="generate a new draft for this product instead")
            _expect(item, base_version)
            old = current_version(s, item)
            new_fields = validate_edit(old.fields, fields, where=f"item {item_id}")
            product_doc = s.get(ProductRow, item.product_id).document
            report = checked[2] if checked[:2] == (new_fields, product_doc) else \
                self.check(item, new_fields, Product.model_validate(product_doc))
            before = {"status": item.status, "version": item.current_version, "fields": old.fields}
            add_version(s, item, number=item.current_version + 1, fields=new_fields, report=report,
                        source="edit", author_id=user.id)
            item.current_version += 1
            item.status, item.updated_at = AFTER_EDIT[item.status], utcnow()
            if comment and comment.strip():
                s.add(CommentRow(item_id=item.id, version_id=None, author_id=user.id, body=comment.strip(),
                                 created_at=utcnow()))
            s.flush()
            audit(s, actor_id=user.id, actor=user.name, action="item.edit", entity="item", entity_id=item.id,
                  before=before, after={"status": item.status, "version": item.current_version, "fields": new_fields})

        write_transaction(self.engine, work, what=f"edit item {item_id}")
        return self.get(item_id)

    def _check_edit(self, item_id: int, fields: dict[str, Any]) -> tuple:
        """(validated fields, product document, report) from a read: the check an edit needs,
        computed without holding the write lock. Invalid input is reported by the edit itself."""
        with read_session(self.engine) as s:
            item = s.get(ItemRow, item_id)
            if item is None:
                return None, None, None
            try:
                new_fields = validate_edit(current_version(s, item).fields, fields, where=f"item {item_id}")
            except InputError:
                return None, None, None
            product_doc = s.get(ProductRow, item.product_id).document
            return new_fields, product_doc, self.check(item, new_fields, Product.model_validate(product_doc))

    def check(self, item: ItemRow, fields: dict[str, Any], product: Product) -> CheckReport:
        report = self._checker().check_fields(fields, lang=item.lang, market=item.market, channel=item.kind,
                                           platform=item.platform)
        return merge_findings(report.findings, scan_fields(fields), scan_product(product))

    def comment(self, item_id: int, actor: User, body: str) -> ItemView:
        if not body.strip():
            raise InputError("empty comment", where="--comment")

        def work(s: Session) -> None:
            item = _lock(s, item_id, for_update=False)
            user = _allowed(s, actor, "comment", item_id)
            row = CommentRow(item_id=item.id, version_id=current_version(s, item).id, author_id=user.id,
                             body=body.strip(), created_at=utcnow())
            s.add(row)
            s.flush()
            audit(s, actor_id=user.id, actor=user.name, action="item.comment", entity="item", entity_id=item.id,
                  after={"comment": row.body, "version": item.current_version})

        write_transaction(self.engine, work, what=f"comment on item {item_id}")
        return self.get(item_id)

    # ---- reading ------------------------------------------------------------------------------
    def get(self, item_id: int) -> ItemView:
        with read_session(self.engine) as s:
            item = s.get(ItemRow, item_id)
            if item is None:
                raise NotFoundError(f"no content item {item_id}", fix="see `assistant queue`")
            return item_view(s, item)

    def queue(self, *, status: str | None = None, brand: str | None = None, lang: str | None = None,
              severity: str | None = None, kind: str | None = None, ids: list[int] | None = None) -> list[ItemSummary]:
        if status and status not in STATUSES:
            raise InputError(f"unknown status '{status}'", where="--status", fix=f"use one of: {', '.join(STATUSES)}")
        if severity and severity not in ("error", "warning", "info"):
            raise InputError(f"unknown severity '{severity}'", where="--severity", fix="use error, warning or info")
        query = select(ItemRow).order_by(ItemRow.id)
        for column, value in ((ItemRow.status, status), (ItemRow.brand, brand), (ItemRow.lang, lang),
                              (ItemRow.kind, kind)):
            if value:
                query = query.where(column == value)
        if ids is not None:
            query = query.where(ItemRow.id.in_(ids))
        if severity:
            query = query.where(exists().where(
                VersionRow.item_id == ItemRow.id, VersionRow.number == ItemRow.current_version,
                FindingRow.version_id == VersionRow.id, FindingRow.severity == severity))
        with read_session(self.engine) as s:
            return [summary(s, item) for item in s.scalars(query)]

    def item_for_draft(self, draft_id: int | None) -> int | None:
        """The content item a generated draft (or revision) became, if any."""
        with read_session(self.engine) as s:
            return s.scalar(select(VersionRow.item_id).where(VersionRow.draft_id == draft_id)) if draft_id else None

    def history(self, item_id: int) -> list[AuditView]:
        with read_session(self.engine) as s:
            return [AuditView(at=r.at, actor=r.actor, action=r.action, entity=r.entity, entity_id=r.entity_id,
                              before=r.before, after=r.after) for r in audit_entries(s, entity="item", entity_id=item_id)]

    # ---- used by exports, inside their transaction ------------------------------------------
    def mark_exported(self, s: Session, exported: dict[int, int], *, actor: User | None, export_id: int) -> list[int]:
        """Approved items whose exported version is still current become ``exported``."""
        changed = []
        for item_id, number in sorted(exported.items()):
            item = _lock(s, item_id)
            if item.status == "approved" and item.current_version == number:
                item.status, item.updated_at = "exported", utcnow()
                s.flush()
                audit(s, actor_id=actor.id if actor else None, actor=actor.name if actor else SYSTEM,
                      action="item.export", entity="item", entity_id=item.id,
                      before={"status": "approved", "version": number},
                      after={"status": "exported", "version": number, "export_id": export_id})
                changed.append(item_id)
        return changed


def _lock(s: Session, item_id: int, *, for_update: bool = True) -> ItemRow:
    item = s.get(ItemRow, item_id, with_for_update=for_update or None)
    if item is None:
        raise NotFoundError(f"no content item {item_id}", fix="see `assistant queue`")
    return item


def _allowed(s: Session, actor: User, permission: str, item_id: int) -> UserRow:
    """The acting user as stored now (a user disabled or demoted since sign-in is refused)."""
    row = s.get(UserRow, actor.id)
    if row is None or not row.active:
        raise PermissionDenied(f"user '{actor.name}' is disabled", fix="ask an admin: assistant users enable")
    if not User(id=row.id, name=row.name, role=row.role, active=row.active, created_at=row.created_at).can(permission):
        raise PermissionDenied(f"a {row.role} may not {permission.replace('_', ' ')} (item {item_id})",
                               fix="ask a reviewer or an admin")
    return row


def _expect(item: ItemRow, expected: int | None) -> None:
    if expected is not None and item.current_version != expected:
        raise ConflictError(
            f"item {item.id} changed: you looked at version {expected}, it is now at version "
            f"{item.current_version} ({item.status})",
            fix=f"see what changed with `assistant show {item.id}`, then try again")


def _authors(s: Session, item: ItemRow) -> set[int]:
    ids = set(s.scalars(select(VersionRow.author_id).where(VersionRow.item_id == item.id)))
    ids.add(item.created_by)
    return {i for i in ids if i is not None}


def _override(s: Session, version: VersionRow, reason: str | None, item_id: int) -> str:
    reason = (reason or "").strip()
    if len(reason) >= MIN_OVERRIDE_REASON:
        return reason
    rules = sorted(set(s.scalars(select(FindingRow.rule_id).where(
        FindingRow.version_id == version.id, FindingRow.severity == "error"))))
    raise BlockedError(
        f"item {item_id} version {version.number} has {version.error_count} error finding(s) ({', '.join(rules)})",
        fix=f"fix the copy (`assistant edit {item_id}`), or override with --override-reason "
        f"\"...\" (at least {MIN_OVERRIDE_REASON} characters; it is recorded)")
