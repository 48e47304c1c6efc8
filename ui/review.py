"""Review tab: the queue with filters, one item with its versions side by side, findings, comments
and history, and the decisions. The workflow service enforces roles and binds a decision to the
version the reviewer last opened (``record_view`` / ``last_seen``, kept in the database, never sent
by the browser); buttons hidden from writers are a convenience, not the protection."""

import gradio as gr

from assistant.errors import InputError
from assistant.workflow.states import ConflictError
from ui import views
from ui.context import AppContext
from ui.guard import guard, message
from ui.i18n import t

QUEUE_COLUMNS = ("col_id", "col_state", "col_kind", "col_sku", "col_lang", "col_version", "col_errors",
                 "col_warnings", "col_title")


class ReviewHandlers:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    @guard
    def queue(self, status: str, brand: str, content_lang: str, kind: str, market: str, author: str,
              severity: str, lang: str, request: gr.Request):
        self.ctx.sessions.user(request)
        items = self.ctx.svc.workflow.queue(status=status or None, brand=brand or None, lang=content_lang or None,
                                            kind=kind or None, severity=severity or None)
        if market:
            items = [i for i in items if i.market == market.strip().upper()]
        if author:
            wf = self.ctx.svc.workflow
            items = [i for i in items if author.strip() in wf.get(i.id).authors]
        rows = [[i.id, i.status, i.kind, i.sku, f"{i.lang}-{i.market}", i.version, i.errors, i.warnings, i.title]
                for i in items]
        return gr.update(value=rows, headers=[t(lang, c) for c in QUEUE_COLUMNS]), t(lang, "queue_count", n=len(rows))

    @guard
    def open(self, item_id, base, lang: str, request: gr.Request):
        """The item as it is now; ``base`` picks the version to compare with (default: the previous)."""
        user = self.ctx.sessions.user(request)
        if not item_id:
            raise InputError(t(lang, "no_item"))
        item = self.ctx.svc.workflow.get(int(item_id))
        base = int(base) if base and int(base) != item.version else max(1, item.version - 1)
        old = next(v for v in item.versions if v.number == base)
        header = t(lang, "item_header", item=item.id, kind=views.esc(item.kind), sku=views.esc(item.sku),
                   lang=views.esc(item.lang), market=views.esc(item.market), status=views.esc(item.status),
                   version=item.version, author=views.esc(item.created_by or "-"))
        notes = [[f"{d.created_at:%Y-%m-%d %H:%M}", d.reviewer, f"{d.decision} v{d.version}: {d.comment}"
                  + (f" (override: {d.override_reason})" if d.override_reason else "")] for d in item.decisions]
        notes += [[f"{c.created_at:%Y-%m-%d %H:%M}", c.author, c.body] for c in item.comments]
        history = [[f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action] for e in self.ctx.svc.workflow.history(item.id)]
        self.ctx.svc.workflow.record_view(item.id, user, item.version)
        can_decide = user.can("approve") and item.status == "in_review"
        buttons = [gr.update(visible=can_decide)] * 3
        versions = gr.update(choices=[v.number for v in item.versions], value=base)
        return (header, views.diff_html(old.fields, item.current.fields, f"v{base}", f"v{item.version}"),
                views.highlighted(item.current.fields, item.current.report), views.findings_rows(item.current.report),
                views.findings_rows(old.report), sorted(notes), history, versions, *buttons)

    def _decide(self, action: str, item_id, comment: str, override: str, lang: str, request: gr.Request):
        user = self.ctx.sessions.user(request)
        if not item_id:
            raise InputError(t(lang, "no_item"))
        wf = self.ctx.svc.workflow
        expected = wf.last_seen(int(item_id), user)
        if expected is None:
            raise InputError(t(lang, "open_first"))
        try:
            if action == "approve":
                item = wf.approve(int(item_id), user, comment=comment or None, override_reason=override or None,
                                  expected_version=expected)
            else:
                getattr(wf, action)(int(item_id), user, comment=comment or "", expected_version=expected)
                item = wf.get(int(item_id))
        except ConflictError as exc:
            gr.Warning(message(exc, lang) + " " + t(lang, "conflict_fresh"))
            return t(lang, "conflict_fresh")
        return t(lang, "decided", item=item.id, status=item.status)

    @guard
    def approve(self, item_id, comment: str, override: str, lang: str, request: gr.Request):
        return self._decide("approve", item_id, comment, override, lang, request)

    @guard
    def reject(self, item_id, comment: str, override: str, lang: str, request: gr.Request):
        return self._decide("reject", item_id, comment, override, lang, request)

    @guard
    def request_changes(self, item_id, comment: str, override: str, lang: str, request: gr.Request):
        return self._decide("request_changes", item_id, comment, override, lang, request)

    @guard
    def comment(self, item_id, body: str, lang: str, request: gr.Request):
        user = self.ctx.sessions.user(request)
        if not item_id:
            raise InputError(t(lang, "no_item"))
        self.ctx.svc.workflow.comment(int(item_id), user, body or "")
        return ""
