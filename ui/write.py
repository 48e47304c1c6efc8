"""Write tab: upload products, generate (progress per draft), see fields with lengths and limits,
findings highlighted, guideline passages, rounds/tokens/cost/time; apply the auto-fix, edit, translate
or repurpose, submit. Handlers only parse, call services and render."""

import time
from pathlib import Path

import gradio as gr

from assistant.catalog import load_products
from assistant.compliance.field_fixes import propose_item_fixes
from assistant.errors import InputError, ProviderError
from assistant.generation.kinds import get_kind
from assistant.workflow.editing import parse_edited, to_editable
from ui import views
from ui.context import AppContext
from ui.guard import guard
from ui.i18n import t
from ui.uploads import PRODUCT_TYPES, accept_upload, named_as


class WriteHandlers:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    @guard
    def upload(self, file, lang: str, request: gr.Request):
        self.ctx.sessions.user(request)
        path = accept_upload(file, self.ctx.home, allowed=PRODUCT_TYPES, area="products")
        with named_as(path, Path(file).name):
            products = load_products(path)
        choices = [(f"{p.sku} · {p.name}", p.sku) for p in products]
        return ([p.model_dump(mode="json") for p in products], gr.update(choices=choices, value=[products[0].sku]),
                t(lang, "loaded_products", n=len(products), file=views.esc(path.name)))

    @guard
    def generate(self, products: list, skus: list, kind: str, platform: str | None, langs: list, market: str,
                 segment: str | None, variants: float, brand: str | None, context: str, lang: str,
                 request: gr.Request):
        user = self.ctx.sessions.user(request)
        from assistant.catalog import Product

        chosen = [Product.model_validate(p) for p in (products or []) if p.get("sku") in (skus or [])]
        if not chosen:
            raise InputError(t(lang, "no_products"))
        if not langs:
            raise InputError(t(lang, "no_languages"))
        gen = self.ctx.svc.generator
        kit = self.ctx.svc.brand(brand or None)
        jobs = [(p, code) for p in chosen for code in langs]
        started, items, summary = time.monotonic(), [], []
        for i, (product, code) in enumerate(jobs, 1):
            yield t(lang, "generating", i=i, n=len(jobs), sku=views.esc(product.sku), lang=code), gr.update(), None
            opts = dict(lang=code, market=market, platform=platform or None, segment=segment or None,
                        context=context or None, actor=user)
            n = int(variants or 1)
            drafts = ([gen.generate(kind, product, kit, **opts)] if n == 1
                      else gen.generate_variants(kind, product, kit, n=n, **opts).drafts)
            for d in drafts:
                item_id = self.ctx.svc.workflow.item_for_draft(d.id)
                summary.append({"draft": d.id, "item": item_id, "sku": product.sku, "lang": code, "status": d.status,
                                "error": d.error, "fields": d.fields,
                                "findings": [f.model_dump(mode="json") for f in d.report.findings]})
                if item_id:
                    items.append((f"#{item_id} · {product.sku} · {code}", item_id))
        done = t(lang, "generated", n=len(summary), seconds=round(time.monotonic() - started, 1))
        failed = [f"#{d['draft']} {views.esc(d['sku'])} {d['lang']}: {views.esc(d['error'])}" for d in summary
                  if d["status"] != "ok"]
        if failed:
            done += "\n\n" + t(lang, "drafts_failed", n=len(failed)) + "\n\n" + "\n\n".join(failed)
        yield done, gr.update(choices=items, value=items[-1][1] if items else None), summary

    @guard
    def show(self, item_id, lang: str, request: gr.Request):
        """Everything about the writer's current draft; returns the version shown (for edits)."""
        self.ctx.sessions.user(request)
        if not item_id:
            return (None,) * 8
        svc = self.ctx.svc
        item = svc.workflow.get(int(item_id))
        current = item.current
        limits = get_kind(item.kind).limits(item.platform)
        draft_id = next((v.draft_id for v in reversed(item.versions) if v.draft_id), None)
        stats, passages = "", []
        if draft_id:
            draft = svc.drafts.get(draft_id)
            rounds = svc.generator.history(draft)
            tokens = sum(d.usage.prompt_tokens + d.usage.completion_tokens for d in rounds)
            cost = sum(d.usage.cost_usd or 0 for d in rounds)
            seconds = sum(d.usage.latency_ms for d in rounds) / 1000
            passages = [[cid] for cid in draft.guideline_ids]
            stats = t(lang, "run_stats", rounds=len(rounds) - 1, tokens=tokens, cost=f"${cost:.4f}",
                      seconds=f"{seconds:.1f}", item=item.id, version=item.version, status=item.status)
        _, _, diff = propose_item_fixes(svc.checker, item, svc.brand(item.brand))
        editable = to_editable(current.fields, id=item.id, version=item.version, kind=item.kind, lang=item.lang,
                               market=item.market, status=item.status)
        return (views.field_rows(current.fields, limits), views.highlighted(current.fields, current.report),
                views.findings_rows(current.report), passages, stats, diff or t(lang, "no_fix"), editable,
                item.version)

    @guard
    def apply_fix(self, item_id, shown_version, lang: str, request: gr.Request):
        user = self.ctx.sessions.user(request)
        item = self._item(item_id, lang)
        fixed, edits, _ = propose_item_fixes(self.ctx.svc.checker, item, self.ctx.svc.brand(item.brand))
        if not edits:
            raise InputError(t(lang, "no_fix"))
        item = self.ctx.svc.workflow.edit(item.id, user, fixed, base_version=int(shown_version or item.version),
                                          comment="applied the proposed auto-fix")
        return t(lang, "fix_applied", item=item.id, version=item.version)

    @guard
    def save_edit(self, item_id, text: str, shown_version, lang: str, request: gr.Request):
        user = self.ctx.sessions.user(request)
        item = self._item(item_id, lang)
        fields = parse_edited(text or "", where=f"item {item.id}")
        item = self.ctx.svc.workflow.edit(item.id, user, fields, base_version=int(shown_version or item.version))
        return t(lang, "edit_saved", item=item.id, version=item.version)

    @guard
    def translate(self, item_id, kind: str, target_lang: str, target_market: str, lang: str, request: gr.Request):
        """Same kind: translate the draft (kept terms, glossary). Another kind: repurpose, i.e. draft
        that kind for the same product in the target language."""
        user = self.ctx.sessions.user(request)
        item = self._item(item_id, lang)
        gen = self.ctx.svc.generator
        kit = self.ctx.svc.brand(item.brand)
        if not kind or kind == item.kind:
            draft_id = next(v.draft_id for v in reversed(item.versions) if v.draft_id)
            draft = gen.translate(draft_id, kit, lang=target_lang, market=target_market, actor=user)
        else:
            draft = gen.generate(kind, item.product, kit, lang=target_lang, market=target_market, actor=user)
        new_id = self.ctx.svc.workflow.item_for_draft(draft.id)
        if new_id is None:  # the model's reply did not fit: the draft is kept with its raw output
            raise ProviderError(f"draft #{draft.id} failed: {draft.error}", fix="try again, or use another model")
        label = f"#{new_id} · {item.sku} · {target_lang}"
        return gr.update(choices=[(label, new_id)], value=new_id), t(lang, "generated", n=1, seconds="-")

    @guard
    def submit(self, item_id, shown_version, lang: str, request: gr.Request):
        user = self.ctx.sessions.user(request)
        item = self._item(item_id, lang)
        self.ctx.svc.workflow.submit(item.id, user, expected_version=int(shown_version) if shown_version else None)
        return t(lang, "submitted", item=item.id)

    def _item(self, item_id, lang):
        if not item_id:
            raise InputError(t(lang, "no_item"))
        return self.ctx.svc.workflow.get(int(item_id))
