"""Sign-in, the language switch, checking pasted copy and exports."""

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import gradio as gr

from assistant.errors import InputError
from assistant.export import FORMATS, Selection
from ui import views
from ui.context import AppContext
from ui.guard import guard
from ui.i18n import pick, t


class DeskHandlers:
    def __init__(self, ctx: AppContext, labels):
        self.ctx = ctx
        self.labels = labels

    # ---- sign-in and language -----------------------------------------------------------
    def _page(self, lang: str, request) -> list:
        """Status line, sign-in panel, main panel, notice, reviewer-only panel, admin-only panel."""
        user = self.ctx.sessions.current(request)
        no_users = self.ctx.svc.users.count() == 0
        status = t(lang, "signed_in_as", name=views.esc(user.name), role=user.role) if user else t(lang, "signed_out")
        return [status, gr.update(visible=user is None), gr.update(visible=user is not None),
                t(lang, "no_users") if no_users else "", gr.update(visible=bool(user and user.can("approve"))),
                gr.update(visible=user is not None)]

    @guard
    def load(self, request: gr.Request):
        lang = pick(request.headers.get("accept-language") if request else None)
        return [lang, *self.labels.updates(lang), *self._page(lang, request)]

    @guard
    def switch(self, lang: str, request: gr.Request):
        return [*self.labels.updates(lang), *self._page(lang, request)]

    @guard
    def sign_in(self, name: str, password: str, lang: str, request: gr.Request):
        self.ctx.sessions.sign_in(request, name, password)
        return [*self._page(lang, request), ""]

    @guard
    def sign_out(self, lang: str, request: gr.Request):
        self.ctx.sessions.sign_out(request)
        return [*self._page(lang, request), ""]

    def unload(self, request: gr.Request):
        self.ctx.sessions.sign_out(request)

    # ---- check pasted copy --------------------------------------------------------------
    @guard
    def check(self, text: str, content_lang: str, market: str, channel: str, platform: str, facts: str,
              use_brand: bool, lang: str, request: gr.Request):
        self.ctx.sessions.user(request)
        checker = self.ctx.svc.checker
        fact_data = _facts(facts)
        kit = self.ctx.svc.brand() if use_brand else None
        report = checker.check_text(text or "", lang=content_lang, market=market, channel=channel,
                                    platform=platform or None, facts=fact_data, brand=kit)
        proposal = checker.propose_fixes(text or "", report, lang=content_lang, channel=channel,
                                         platform=platform or None, brand=kit)
        c = report.counts()
        summary = t(lang, "check_result", score=report.score, errors=c["error"], warnings=c["warning"],
                    infos=c["info"])
        return (summary, views.highlighted_text(text or "", report), views.findings_rows(report),
                proposal.diff or t(lang, "no_fix"), report.model_dump(mode="json"))

    # ---- export --------------------------------------------------------------------------
    @guard
    def export(self, fmt: str, include_unapproved: bool, brand: str, content_lang: str, market: str, kind: str,
               lang: str, request: gr.Request):
        user = self.ctx.sessions.user(request)
        if fmt not in FORMATS:
            raise InputError(f"unknown export format '{fmt}'", fix=f"use one of: {', '.join(FORMATS)}")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
        out = self.ctx.home / "exports" / user.name / stamp
        result = self.ctx.svc.exports.export(
            fmt, out, actor=user, include_unapproved=bool(include_unapproved),
            selection=Selection(brand=brand or None, lang=content_lang or None, market=market or None,
                                kind=kind or None))
        note = t(lang, "exported", n=result.items, file=views.esc(result.path.name))
        if result.unapproved:
            note = t(lang, "export_warning", n=result.unapproved, total=result.items) + "\n\n" + note
        path = result.path
        if path.is_dir():  # formats that write one file per item (email_html) download as one zip
            path = Path(shutil.make_archive(str(path), "zip", root_dir=path))
        return str(path), note


def _facts(text: str | None) -> dict | None:
    if not (text or "").strip():
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"facts are not valid JSON: {exc.msg}", where=f"facts:{exc.lineno}") from exc
    if not isinstance(data, dict):
        raise InputError("facts must be a JSON object", where="facts")
    return data
