"""The review workflow. Every method that changes something runs in one write transaction that
re-reads and locks the item, applies the rules to what it finds, writes the change and its audit
entry, and is retried if another process won a race (``write_transaction``).

The API a front end (CLI, web UI) uses; every change takes the acting ``User`` explicitly:
- ``authorize(actor, permission)``: check before expensive work (generation) that ``actor`` may act.
- ``record_draft(session, draft, actor)``: generation's hook (``DraftStore.save(draft, actor=...)``).
- ``submit(item_id, actor)``, ``approve/reject/request_changes(item_id, actor, expected_version=N)``:
  decisions bind to the version the reviewer saw; another version -> ``ConflictError`` (exit 5).
  Role checks and "never approve your own copy" live here, not in the front end.
- ``edit(item_id, actor, fields, base_version=N)``, ``comment(item_id, actor, body)``.
- ``record_view(item_id, actor, version)`` / ``last_seen(item_id, actor)``: what a user last looked at.
- ``record(actor, permission, action=..., entity=...)``: audit a change outside these tables.
``actor`` is a signed-in ``User``, or ``users.local_user()`` while the store has no users (local
single-user mode: may generate, edit, submit, comment, export; is refused once any user exists).
"""

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
from assistant.storage.audit import audit, audit_entries
from assistant.storage.db import read_session, write_transaction
from assistant.storage.items import (
    add_version, current_version, latest_brand_kit, merge_findings, record_brand_kit, version_product,
)
from assistant.storage.migrate import migrate
from assistant.storage.tables import (
    CommentRow, DecisionRow, FindingRow, ItemRow, ItemViewRow, VersionRow, utcnow,
)
from assistant.users.models import PermissionDenied, User, local_user
from assistant.workflow.access import acting, who
from assistant.workflow.editing import validate_edit
from assistant.workflow.models import AuditView, ItemSummary, ItemView
from assistant.workflow.products import record_product
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

    def authorize(self, actor: User, permission: str) -> User:
        """``actor`` as allowed to do ``permission`` now (``generate``, ``export``, ...); raises
        ``AuthError``/``PermissionDenied`` otherwise. Changes check again in their transaction."""
        with read_session(self.engine) as s:
            return acting(s, actor, permission, permission)

    # ---- generation feeds the workflow ----------------------------------------------------
    def record_draft(self, s: Session, draft: Draft, actor: User | None = None) -> int | None:
        """Called by ``DraftStore.save`` in its transaction: a new item (version 1, ``draft``), or,
        for a revision (``draft.revision_of``), a new version of the revised draft's item. ``actor``
        (default: the local single-user actor) is the author. Changed product facts make new
        versions of the product's open items (``workflow.products``)."""
        if draft.status != "ok" or not draft.fields:
            return None
        req = draft.request
        user = acting(s, actor or local_user(), "generate", f"draft of {req.product.sku}")
        actor_id = user.id
        # a translation carries its source's facts: it is stored with them but does not change the product
        product = record_product(s, req.brand, req.product, user, update=req.mode != "translate")
        snapshot = req.product.model_dump(mode="json")
        report = merge_findings(draft.report.findings, scan_fields(draft.fields), scan_product(req.product))
        item = self._revised_item(s, draft.revision_of) if draft.revision_of else None
        if item is not None:
            before = {"status": item.status, "version": item.current_version}
            add_version(s, item, number=item.current_version + 1, fields=draft.fields, report=report,
                        source="revision", author_id=actor_id, product=snapshot, draft_id=draft.id)
            item.current_version += 1
            item.status = AFTER_EDIT[item.status]
            item.updated_at = utcnow()
            s.flush()
            audit(s, **who(user), action="item.revise", entity="item", entity_id=item.id,
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
                    author_id=actor_id, product=snapshot, draft_id=draft.id)
        audit(s, **who(user), action="item.create", entity="item", entity_id=item.id,
              after={"status": "draft", "version": 1, "draft_id": draft.id, "fields": draft.fields})
        return item.id

    def _revised_item(self, s: Session, draft_id: int) -> ItemRow | None:
        item_id = s.scalar(select(VersionRow.item_id).where(VersionRow.draft_id == draft_id))
        item = s.get(ItemRow, item_id, with_for_update=True) if item_id else None
        return item if item is not None and item.status in AFTER_EDIT else None

    # ---- transitions ------------------------------------------------------------------------
    def submit(self, item_id: int, actor: User, *, comment: str | None = None,
               expected_version: int | None = None) -> ItemView:
        """Send to review (``draft``/``changes_requested`` -> ``in_review``)."""
        return self._transition(item_id, actor, "submit", comment=comment, expected_version=expected_version)

    def approve(self, item_id: int, actor: User, *, expected_version: int, comment: str | None = None,
                override_reason: str | None = None) -> ItemView:
        """Approve version ``expected_version`` (the one the reviewer read): ``ConflictError`` if the item
        is at another version now; ``PermissionDenied`` for writers, local mode and the copy's authors;
        ``BlockedError`` on error findings unless ``override_reason`` (recorded) is given."""
        return self._transition(item_id, actor, "approve", comment=comment, override_reason=override_reason,
                                expected_version=expected_version)

    def reject(self, item_id: int, actor: User, *, comment: str, expected_version: int) -> ItemView:
        """Reject version ``expected_version`` for good (a comment is required)."""
        return self._transition(item_id, actor, "reject", comment=comment, expected_version=expected_version)

    def request_changes(self, item_id: int, actor: User, *, comment: str, expected_version: int) -> ItemView:
        """Send version ``expected_version`` back to the writer (a comment is required)."""
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
            user = acting(s, actor, t.permission, f"item {item_id}")
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
            audit(s, **who(user), action=f"item.{action}", entity="item",
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
            user = acting(s, actor, "edit", f"item {item_id}")
            if item.status not in AFTER_EDIT:
                raise TransitionError(f"item {item_id} is {item.status} and cannot be edited",
                                      fix="generate a new draft for this product instead")
            _expect(item, base_version)
            old = current_version(s, item)
            new_fields = validate_edit(old.fields, fields, where=f"item {item_id}")
            product = version_product(s, item, old)
            report = checked[2] if checked[:2] == (new_fields, product.model_dump(mode="json")) else \
                self.check(item, new_fields, product)
            before = {"status": item.status, "version": item.current_version, "fields": old.fields}
            add_version(s, item, number=item.current_version + 1, fields=new_fields, report=report,
                        source="edit", author_id=user.id, product=product.model_dump(mode="json"))
            item.current_version += 1
            item.status, item.updated_at = AFTER_EDIT[item.status], utcnow()
            if comment and comment.strip():
                s.add(CommentRow(item_id=item.id, version_id=None, author_id=user.id, body=comment.strip(),
                                 created_at=utcnow()))
            s.flush()
            audit(s, **who(user), action="item.edit", entity="item", entity_id=item.id,
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
            old = current_version(s, item)
            try:
                new_fields = validate_edit(old.fields, fields, where=f"item {item_id}")
            except InputError:
                return None, None, None
            product = version_product(s, item, old)
            return new_fields, product.model_dump(mode="json"), self.check(item, new_fields, product)

    def check(self, item: ItemRow, fields: dict[str, Any], product: Product) -> CheckReport:
        report = self._checker().check_fields(fields, lang=item.lang, market=item.market, channel=item.kind,
                                           platform=item.platform)
        return merge_findings(report.findings, scan_fields(fields), scan_product(product))

    def comment(self, item_id: int, actor: User, body: str) -> ItemView:
        if not body.strip():
            raise InputError("empty comment", where="--comment")

        def work(s: Session) -> None:
            item = _lock(s, item_id, for_update=False)
            user = acting(s, actor, "comment", f"item {item_id}")
            row = CommentRow(item_id=item.id, version_id=current_version(s, item).id, author_id=user.id,
                             body=body.strip(), created_at=utcnow())
            s.add(row)
            s.flush()
            audit(s, **who(user), action="item.comment", entity="item", entity_id=item.id,
                  after={"comment": row.body, "version": item.current_version})

        write_transaction(self.engine, work, what=f"comment on item {item_id}")
        return self.get(item_id)

    def record(self, actor: User, permission: str, *, action: str, entity: str,
               after: dict[str, Any] | None = None) -> None:
        """Audit a change made outside the workflow tables (knowledge base, glossaries) by ``actor``,
        who must (still) have ``permission``."""

        def work(s: Session) -> None:
            user = acting(s, actor, permission, entity)
            audit(s, **who(user), action=action, entity=entity, entity_id=None, after=after)

        write_transaction(self.engine, work, what=f"recording {action}")

    # ---- what each reviewer saw ------------------------------------------------------------------
    def record_view(self, item_id: int, actor: User, version: int) -> None:
        """Remember that signed-in ``actor`` looked at ``version`` of the item (``show``); local mode
        records nothing (it cannot decide anyway)."""
        if actor.id is None:
            return

        def work(s: Session) -> None:
            row = s.scalar(select(ItemViewRow).where(ItemViewRow.user_id == actor.id, ItemViewRow.item_id == item_id))
            if row is None:
                s.add(ItemViewRow(user_id=actor.id, item_id=item_id, version=version, seen_at=utcnow()))
            else:
                row.version, row.seen_at = version, utcnow()

        write_transaction(self.engine, work, what=f"recording what {actor.name} saw of item {item_id}")

    def last_seen(self, item_id: int, actor: User) -> int | None:
        """The version of the item ``actor`` last looked at (``record_view``), if any."""
        if actor.id is None:
            return None
        with read_session(self.engine) as s:
            return s.scalar(select(ItemViewRow.version).where(ItemViewRow.user_id == actor.id,
                                                              ItemViewRow.item_id == item_id))

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
            return [AuditView(at=r.at, actor=r.actor, actor_mode=r.actor_mode, action=r.action, entity=r.entity,
                              entity_id=r.entity_id, before=r.before, after=r.after)
                    for r in audit_entries(s, entity="item", entity_id=item_id)]

    # ---- used by exports, inside their transaction ------------------------------------------
    def mark_exported(self, s: Session, exported: dict[int, int], *, actor: User | None, export_id: int) -> list[int]:
        """Approved items whose exported version is still current become ``exported``."""
        changed = []
        for item_id, number in sorted(exported.items()):
            item = _lock(s, item_id)
            if item.status == "approved" and item.current_version == number:
                item.status, item.updated_at = "exported", utcnow()
                s.flush()
                audit(s, **who(actor), action="item.export", entity="item", entity_id=item.id,
                      before={"status": "approved", "version": number},
                      after={"status": "exported", "version": number, "export_id": export_id})
                changed.append(item_id)
        return changed


def _lock(s: Session, item_id: int, *, for_update: bool = True) -> ItemRow:
    item = s.get(ItemRow, item_id, with_for_update=for_update or None)
    if item is None:
        raise NotFoundError(f"no content item {item_id}", fix="see `assistant queue`")
    return item


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
