"""Brand knowledge tab (brand kit, guideline documents, sources, retrieval tryout) and the
dashboard tab. Changing knowledge needs the ``knowledge`` permission and is audited, as in the CLI."""

import gradio as gr
import pandas as pd

from assistant.brand.kit import save_brand_kit
from assistant.workflow.stats import dashboard
from ui import views
from ui.context import AppContext
from ui.guard import guard
from ui.i18n import Labels, t
from ui.uploads import GUIDELINE_TYPES, accept_upload


class KnowledgeHandlers:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def _manager(self, request):
        return self.ctx.svc.workflow.authorize(self.ctx.sessions.user(request), "knowledge")

    def _record(self, actor, action: str, **after) -> None:
        self.ctx.svc.workflow.record(actor, "knowledge", action=action, entity="knowledge", after=after)

    def _kit_path(self, brand: str, *, writable: bool = False):
        """The kit's brand.yaml; to save, its copy in ``brands_dir`` (a sample brand is copied there)."""
        folders = self.ctx.svc.brand_folders
        kit_id = self.ctx.svc.brand(brand).id
        return (folders.writable(kit_id) if writable else folders.path(kit_id)) / "brand.yaml"

    @guard
    def kit(self, brand: str, lang: str, request: gr.Request):
        self.ctx.sessions.user(request)
        return self._kit_path(brand).read_text(encoding="utf-8")

    @guard
    def save_kit(self, brand: str, text: str, lang: str, request: gr.Request):
        actor = self._manager(request)
        kit = save_brand_kit(self._kit_path(brand, writable=True), text or "")
        self._record(actor, "kb.brand_kit", brand=kit.id)
        self.ctx.svc.brand(kit.id)  # read again: drafts stored from now on record the new kit version
        return t(lang, "kit_saved")

    @guard
    def ingest(self, file, brand: str, lang: str, request: gr.Request):
        actor = self._manager(request)
        path = accept_upload(file, self.ctx.home, allowed=GUIDELINE_TYPES, area="guidelines")
        report = self.ctx.svc.knowledge.ingest(brand, path, name=path.name)
        self._record(actor, "kb.ingest", brand=brand, files={f.source: f.status for f in report.files})
        done = "; ".join(f"{f.source}: {f.status}, {f.chunks} chunk(s)" + (f" ({f.error})" if f.error else "")
                         for f in report.files)
        return t(lang, "ingested", report=views.esc(done))

    @guard
    def sources(self, brand: str, lang: str, request: gr.Request):
        self.ctx.sessions.user(request)
        rows = [[s.source, s.lang, len(s.ids)] for s in self.ctx.svc.knowledge.sources(brand)]
        return rows, gr.update(choices=[r[0] for r in rows], value=None)

    @guard
    def remove(self, brand: str, source: str, lang: str, request: gr.Request):
        actor = self._manager(request)
        n = self.ctx.svc.knowledge.remove(brand, source or "")
        self._record(actor, "kb.remove", brand=brand, source=source, chunks=n)
        return t(lang, "removed", n=n)

    @guard
    def search(self, brand: str, query: str, content_lang: str, lang: str, request: gr.Request):
        self.ctx.sessions.user(request)
        hits = self.ctx.svc.knowledge.search(brand, query or "", lang=content_lang or None)
        return [[round(p.score, 4), p.source, p.section or "", p.id, p.text[:300]] for p in hits]

    @guard
    def dashboard(self, lang: str, request: gr.Request):
        self.ctx.sessions.user(request)
        d = dashboard(self.ctx.svc.engine)

        def frame(counts: dict, key: str):
            return pd.DataFrame({key: list(counts), "count": list(counts.values())})

        days = pd.DataFrame([day.model_dump() for day in d.days] or [], columns=["day", "drafts", "pass_rate",
                                                                                    "cost_usd"])
        return (frame(d.by_state, "state"), frame(d.by_category, "category"), frame(d.by_language, "language"),
                days, days)


def knowledge_tab(L: Labels, ctx: AppContext, ui_lang, brands: list[str], langs: list[str]) -> None:
    k = KnowledgeHandlers(ctx)
    with gr.Tab(L("tab_knowledge"), elem_id="tab-knowledge") as tab:
        L.add(tab, "tab_knowledge")
        brand = L.add(gr.Dropdown(brands, value=ctx.svc.settings.brand, label=L("brand")), "brand")
        kit = L.add(gr.Code(language="yaml", interactive=True, label=L("brand_kit")), "brand_kit")
        save = L.add(gr.Button(L("save_kit")), "save_kit", "value")
        msg = gr.Markdown()
        upload = L.add(gr.File(label=L("guideline_file"), file_types=list(GUIDELINE_TYPES), type="filepath"),
                       "guideline_file")
        sources = L.table(gr.Dataframe(headers=["source", "language", "chunks"], label=L("sources"),
                                       interactive=False), "sources", ["col_source", "col_lang", "col_chunks"])
        with gr.Row():
            source = L.add(gr.Dropdown([], label=L("remove_source")), "remove_source")
            remove = L.add(gr.Button(L("remove"), variant="stop"), "remove", "value")
        with gr.Row():
            query = L.add(gr.Textbox(label=L("search")), "search")
            qlang = L.add(gr.Dropdown([""] + langs, value="", label=L("language")), "language")
            search = L.add(gr.Button(L("search_button")), "search_button", "value")
        hits = L.table(gr.Dataframe(headers=["score", "source", "section", "chunk id", "text"], wrap=True,
                                    interactive=False), "search",
                       ["col_score", "col_source", "col_section", "col_chunk", "col_text"])
    private = dict(api_visibility="private")
    for event in (tab.select, brand.change):
        event(k.kit, [brand, ui_lang], [kit], **private).then(k.sources, [brand, ui_lang], [sources, source], **private)
    save.click(k.save_kit, [brand, kit, ui_lang], [msg], **private)
    upload.upload(k.ingest, [upload, brand, ui_lang], [msg], **private).success(
        k.sources, [brand, ui_lang], [sources, source], **private)
    remove.click(k.remove, [brand, source, ui_lang], [msg], **private).success(
        k.sources, [brand, ui_lang], [sources, source], **private)
    search.click(k.search, [brand, query, qlang, ui_lang], [hits], api_name="search_knowledge")


def dashboard_tab(L: Labels, ctx: AppContext, ui_lang) -> None:
    k = KnowledgeHandlers(ctx)
    with gr.Tab(L("tab_dashboard"), elem_id="tab-dashboard") as tab:
        L.add(tab, "tab_dashboard")
        refresh = L.add(gr.Button(L("dashboard_refresh")), "dashboard_refresh", "value")
        with gr.Row():
            states = L.add(gr.BarPlot(x="state", y="count", label=L("by_state")), "by_state")
            categories = L.add(gr.BarPlot(x="category", y="count", label=L("by_category")), "by_category")
            languages = L.add(gr.BarPlot(x="language", y="count", label=L("by_language")), "by_language")
        with gr.Row():
            passes = L.add(gr.LinePlot(x="day", y="pass_rate", label=L("col_pass_rate")), "col_pass_rate")
            cost = L.add(gr.LinePlot(x="day", y="cost_usd", label=L("col_cost")), "col_cost")
    for event in (tab.select, refresh.click):
        event(k.dashboard, [ui_lang], [states, categories, languages, passes, cost], api_visibility="private")
