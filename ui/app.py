"""The page: built once by ``build_app(services)``; every event calls a handler in write.py,
review.py or desk.py. Labels come from ui/locales via ``Labels`` (zh-CN and en)."""

import gradio as gr

from assistant.channels import channel_specs
from assistant.export import FORMATS
from assistant.generation.kinds import KINDS, get_kind
from assistant.locales import languages, markets
from assistant.services import Services
from assistant.workflow.states import STATUSES
from ui.context import AppContext
from ui.desk import DeskHandlers
from ui.i18n import CHOICES, Labels, t
from ui.knowledge import dashboard_tab, knowledge_tab
from ui.review import QUEUE_COLUMNS, ReviewHandlers
from ui.views import SEVERITY_COLORS
from ui.write import WriteHandlers

CSS = " ".join([
    ".bca-diff {overflow-x: auto}",
    ".bca-diff table.diff {width: 100%; font-family: monospace; font-size: 13px}",
    ".bca-diff td {white-space: pre-wrap; word-break: break-word}",
    ".bca-diff .diff_add {background: #d1fae5} .bca-diff .diff_chg {background: #fef3c7}",
    ".bca-diff .diff_sub {background: #fee2e2}",
])


FINDING_KEYS = ["col_severity", "col_category", "col_field", "col_matched", "col_message", "col_source", "col_fix"]
FINDING_COLUMNS = ["severity", "category", "field", "matched", "message", "source", "suggested fix"]
NOTE_KEYS = ["col_when", "col_who", "col_what"]


def _platforms(kind: str):
    names = get_kind(kind).platforms()
    return gr.update(choices=[""] + names, value=get_kind(kind).default_platform or "")


def build_app(svc: Services, *, session_hours: float = 8) -> gr.Blocks:
    ctx = AppContext.create(svc, session_hours)
    L = Labels()
    desk, write, review = DeskHandlers(ctx, L), WriteHandlers(ctx), ReviewHandlers(ctx)
    langs, mkts, brands = list(languages()), list(markets()), svc.brand_folders.ids()
    with gr.Blocks(title="Brand Content Assistant") as demo:
        ui_lang = gr.Radio(CHOICES, value="en", show_label=True, label=L("ui_language"), elem_id="ui-lang")
        L.add(ui_lang, "ui_language")
        L.add(gr.Markdown("## Brand Content Assistant"), "app_title", "value")
        status = gr.Markdown(elem_id="status")
        notice = gr.Markdown(elem_id="notice")
        with gr.Column(visible=True, elem_id="signin") as signin_col:
            name = L.add(gr.Textbox(label=L("user_name"), elem_id="user-name"), "user_name")
            password = L.add(gr.Textbox(label=L("password"), type="password", elem_id="password"), "password")
            signin_btn = L.add(gr.Button(L("sign_in"), variant="primary", elem_id="sign-in"), "sign_in", "value")
        with gr.Column(visible=False, elem_id="main") as main_col:
            signout_btn = L.add(gr.Button(L("sign_out"), size="sm", elem_id="sign-out"), "sign_out", "value")
            with gr.Tabs():
                with gr.Tab(L("tab_write"), elem_id="tab-write") as tab_write:
                    L.add(tab_write, "tab_write")
                    products = gr.State([])
                    shown_version = gr.State(None)
                    with gr.Row():
                        pfile = L.add(gr.File(label=L("product_file"), file_types=[".csv", ".xlsx", ".json", ".jsonl"],
                                              type="filepath", elem_id="product-file"), "product_file")
                        skus = L.add(gr.Dropdown([], multiselect=True, label=L("products"), elem_id="skus"), "products")
                    with gr.Row():
                        kind = L.add(gr.Dropdown(list(KINDS), value="listing", label=L("kind"), elem_id="kind"), "kind")
                        platform = L.add(gr.Dropdown([""] + get_kind("listing").platforms(), value="amazon",
                                                     label=L("platform"), elem_id="platform"), "platform")
                        content_langs = L.add(gr.Dropdown(langs, value=["en"], multiselect=True,
                                                          label=L("content_languages"), elem_id="langs"),
                                              "content_languages")
                        market = L.add(gr.Dropdown(mkts, value="US", label=L("market"), elem_id="market"), "market")
                    with gr.Row():
                        segment = L.add(gr.Dropdown(["", "prospect", "first_time_buyer", "loyal", "lapsed"], value="",
                                                    label=L("segment")), "segment")
                        variants = L.add(gr.Number(1, minimum=1, maximum=8, precision=0, label=L("variants")),
                                         "variants")
                        brand = L.add(gr.Dropdown(brands, value=svc.settings.brand, label=L("brand")), "brand")
                        context = L.add(gr.Textbox(label=L("context"), lines=1), "context")
                    gen_btn = L.add(gr.Button(L("generate"), variant="primary", elem_id="generate"), "generate",
                                    "value")
                    write_msg = gr.Markdown(elem_id="write-msg")
                    item_pick = L.add(gr.Dropdown([], label=L("draft_item"), elem_id="item-pick"), "draft_item")
                    stats = gr.Markdown(elem_id="stats")
                    fields_tbl = L.table(gr.Dataframe(headers=["field", "text", "length", "limit"], wrap=True,
                                                      label=L("fields_table"), interactive=False),
                                         "fields_table", ["col_field", "col_text", "col_length", "col_limit"])
                    hl = L.add(gr.HighlightedText(label=L("highlighted"), color_map=SEVERITY_COLORS,
                                                  combine_adjacent=False,
                                                  show_legend=True, elem_id="highlighted"), "highlighted")
                    findings = L.table(gr.Dataframe(headers=FINDING_COLUMNS, label=L("findings"), wrap=True,
                                                    interactive=False, elem_id="findings"), "findings", FINDING_KEYS)
                    guide = L.table(gr.Dataframe(headers=["chunk id"], label=L("guidelines"), interactive=False),
                                    "guidelines", ["col_chunk"])
                    fix_diff = L.add(gr.Code(language=None, label=L("fix_diff"), interactive=False, elem_id="fix-diff"),
                                     "fix_diff")
                    with gr.Row():
                        fix_btn = L.add(gr.Button(L("apply_fix"), elem_id="apply-fix"), "apply_fix", "value")
                        submit_btn = L.add(gr.Button(L("submit"), variant="primary", elem_id="submit"), "submit",
                                           "value")
                    with gr.Accordion(L("edit_fields"), open=False) as edit_acc:
                        L.add(edit_acc, "edit_fields")
                        edit_box = gr.Code(language="yaml", interactive=True, elem_id="edit-box")
                        save_btn = L.add(gr.Button(L("save_edit")), "save_edit", "value")
                    with gr.Accordion(L("translate_to"), open=False) as tr_acc:
                        L.add(tr_acc, "translate_to")
                        with gr.Row():
                            tr_kind = L.add(gr.Dropdown([""] + list(KINDS), value="", label=L("target_kind")),
                                            "target_kind")
                            tr_lang = L.add(gr.Dropdown(langs, value="de", label=L("target_lang")), "target_lang")
                            tr_market = L.add(gr.Dropdown(mkts, value="DE", label=L("target_market")), "target_market")
                        tr_btn = L.add(gr.Button(L("translate")), "translate", "value")
                    gen_json = gr.JSON(visible=False)
                with gr.Tab(L("tab_check"), elem_id="tab-check") as tab_check:
                    L.add(tab_check, "tab_check")
                    ck_text = L.add(gr.Textbox(lines=6, label=L("check_text"), elem_id="check-text"), "check_text")
                    with gr.Row():
                        ck_lang = L.add(gr.Dropdown(langs, value="en", label=L("language")), "language")
                        ck_market = L.add(gr.Dropdown(mkts, value="US", label=L("market")), "market")
                        ck_channel = L.add(gr.Dropdown(list(channel_specs()), value="listing", label=L("channel")),
                                           "channel")
                        ck_platform = L.add(gr.Textbox(label=L("platform")), "platform")
                    ck_facts = L.add(gr.Textbox(lines=2, label=L("facts")), "facts")
                    ck_brand = L.add(gr.Checkbox(False, label=L("use_brand")), "use_brand")
                    ck_btn = L.add(gr.Button(L("check"), variant="primary", elem_id="check"), "check", "value")
                    ck_msg = gr.Markdown(elem_id="check-msg")
                    ck_hl = L.add(gr.HighlightedText(label=L("highlighted"), color_map=SEVERITY_COLORS,
                                                     combine_adjacent=False), "highlighted")
                    ck_findings = L.table(gr.Dataframe(headers=FINDING_COLUMNS, label=L("findings"), wrap=True,
                                                       interactive=False), "findings", FINDING_KEYS)
                    ck_diff = L.add(gr.Code(language=None, label=L("fix_diff"), interactive=False), "fix_diff")
                    ck_json = gr.JSON(visible=False)
                with gr.Tab(L("tab_review"), elem_id="tab-review") as tab_review:
                    L.add(tab_review, "tab_review")
                    with gr.Row():
                        f_state = L.add(gr.Dropdown([""] + list(STATUSES), value="in_review", label=L("filter_state"),
                                                    elem_id="filter-state"), "filter_state")
                        f_brand = L.add(gr.Dropdown([""] + brands, value="", label=L("brand")), "brand")
                        f_lang = L.add(gr.Dropdown([""] + langs, value="", label=L("language")), "language")
                        f_kind = L.add(gr.Dropdown([""] + list(KINDS), value="", label=L("kind")), "kind")
                        f_market = L.add(gr.Textbox(label=L("market")), "market")
                        f_author = L.add(gr.Textbox(label=L("filter_author")), "filter_author")
                        f_sev = L.add(gr.Dropdown(["", "error", "warning", "info"], value="",
                                                  label=L("filter_severity")),
                                      "filter_severity")
                    refresh_btn = L.add(gr.Button(L("refresh"), elem_id="refresh"), "refresh", "value")
                    queue_msg = gr.Markdown()
                    queue_tbl = L.table(gr.Dataframe(headers=[t("en", c) for c in QUEUE_COLUMNS], label=L("queue"),
                                                     interactive=False,
                                                     elem_id="queue"), "queue", list(QUEUE_COLUMNS))
                    with gr.Row():
                        rv_id = L.add(gr.Number(label=L("item_id"), precision=0, elem_id="review-id"), "item_id")
                        rv_base = L.add(gr.Dropdown([], label=L("compare_with")), "compare_with")
                        open_btn = L.add(gr.Button(L("open_item"), elem_id="open-item"), "open_item", "value")
                    rv_header = gr.Markdown(elem_id="review-header")
                    rv_diff = gr.HTML(elem_id="review-diff")
                    rv_hl = L.add(gr.HighlightedText(label=L("highlighted"), color_map=SEVERITY_COLORS,
                                                     combine_adjacent=False), "highlighted")
                    rv_findings = L.table(gr.Dataframe(headers=FINDING_COLUMNS, label=L("findings"), wrap=True,
                                                       interactive=False), "findings", FINDING_KEYS)
                    rv_base_findings = L.table(gr.Dataframe(headers=FINDING_COLUMNS, label=L("findings_base"),
                                                            wrap=True, interactive=False),
                                               "findings_base", FINDING_KEYS)
                    rv_notes = L.table(gr.Dataframe(headers=["when", "who", "what"], label=L("comments"), wrap=True,
                                                    interactive=False), "comments", NOTE_KEYS)
                    rv_hist = L.table(gr.Dataframe(headers=["when", "who", "what"], label=L("history"),
                                                   interactive=False), "history", NOTE_KEYS)
                    rv_comment = L.add(gr.Textbox(label=L("comment"), elem_id="review-comment"), "comment")
                    comment_btn = L.add(gr.Button(L("add_comment")), "add_comment", "value")
                    with gr.Column(visible=False) as reviewer_col:
                        rv_override = L.add(gr.Textbox(label=L("override_reason")), "override_reason")
                        with gr.Row():
                            approve_btn = L.add(gr.Button(L("approve"), variant="primary", elem_id="approve"),
                                                "approve", "value")
                            changes_btn = L.add(gr.Button(L("request_changes"), elem_id="request-changes"),
                                                "request_changes", "value")
                            reject_btn = L.add(gr.Button(L("reject"), variant="stop", elem_id="reject"), "reject",
                                               "value")
                    rv_msg = gr.Markdown(elem_id="review-msg")
                with gr.Tab(L("tab_export"), elem_id="tab-export") as tab_export:
                    L.add(tab_export, "tab_export")
                    with gr.Row():
                        ex_fmt = L.add(gr.Dropdown(list(FORMATS), value="csv", label=L("export_format"),
                                                   elem_id="export-format"), "export_format")
                        ex_brand = L.add(gr.Dropdown([""] + brands, value="", label=L("brand")), "brand")
                        ex_lang = L.add(gr.Dropdown([""] + langs, value="", label=L("language")), "language")
                        ex_market = L.add(gr.Dropdown([""] + mkts, value="", label=L("market")), "market")
                        ex_kind = L.add(gr.Dropdown([""] + list(KINDS), value="", label=L("kind")), "kind")
                    ex_unapproved = L.add(gr.Checkbox(False, label=L("include_unapproved")), "include_unapproved")
                    ex_btn = L.add(gr.Button(L("export"), variant="primary", elem_id="export"), "export", "value")
                    ex_msg = gr.Markdown(elem_id="export-msg")
                    ex_file = L.add(gr.File(label=L("export_file"), interactive=False, elem_id="export-file"),
                                    "export_file")
                knowledge_tab(L, ctx, ui_lang, brands, langs)
                dashboard_tab(L, ctx, ui_lang)

        # ---- events ----------------------------------------------------------------------
        page = [status, signin_col, main_col, notice, reviewer_col, main_col]
        demo.load(desk.load, None, [ui_lang, *L.components, *page], api_visibility="private")
        ui_lang.input(desk.switch, [ui_lang], [*L.components, *page], api_visibility="private")
        signin_btn.click(desk.sign_in, [name, password, ui_lang], [*page, password], api_name="sign_in")
        password.submit(desk.sign_in, [name, password, ui_lang], [*page, password], api_visibility="private")
        signout_btn.click(desk.sign_out, [ui_lang], [*page, password], api_name="sign_out")
        demo.unload(desk.unload)

        kind.change(_platforms, [kind], [platform], api_visibility="private")
        pfile.upload(write.upload, [pfile, ui_lang], [products, skus, write_msg], api_name="upload_products")
        shown = [fields_tbl, hl, findings, guide, stats, fix_diff, edit_box, shown_version]
        gen_btn.click(write.generate, [products, skus, kind, platform, content_langs, market, segment, variants,
                                       brand, context, ui_lang], [write_msg, item_pick, gen_json],
                      api_name="generate", concurrency_id="model", concurrency_limit=1
                      ).success(write.show, [item_pick, ui_lang], shown, api_visibility="private")
        item_pick.change(write.show, [item_pick, ui_lang], shown, api_visibility="private")
        for btn, fn, inputs in ((fix_btn, write.apply_fix, [item_pick, shown_version, ui_lang]),
                                (save_btn, write.save_edit, [item_pick, edit_box, shown_version, ui_lang]),
                                (submit_btn, write.submit, [item_pick, shown_version, ui_lang])):
            btn.click(fn, inputs, [write_msg], api_visibility="private").success(
                write.show, [item_pick, ui_lang], shown, api_visibility="private")
        tr_btn.click(write.translate, [item_pick, tr_kind, tr_lang, tr_market, ui_lang], [item_pick, write_msg],
                     concurrency_id="model", concurrency_limit=1, api_visibility="private")

        ck_btn.click(desk.check, [ck_text, ck_lang, ck_market, ck_channel, ck_platform, ck_facts, ck_brand, ui_lang],
                     [ck_msg, ck_hl, ck_findings, ck_diff, ck_json], api_name="check")

        filters = [f_state, f_brand, f_lang, f_kind, f_market, f_author, f_sev, ui_lang]
        refresh_btn.click(review.queue, filters, [queue_tbl, queue_msg], api_name="queue")
        tab_review.select(review.queue, filters, [queue_tbl, queue_msg], api_visibility="private")
        opened = [rv_header, rv_diff, rv_hl, rv_findings, rv_base_findings, rv_notes, rv_hist, rv_base,
                  approve_btn, changes_btn, reject_btn]
        open_btn.click(review.open, [rv_id, rv_base, ui_lang], opened, api_name="open_item")
        decide_in = [rv_id, rv_comment, rv_override, ui_lang]
        for btn, fn, api in ((approve_btn, review.approve, "approve"), (reject_btn, review.reject, "reject"),
                             (changes_btn, review.request_changes, "request_changes")):
            btn.click(fn, decide_in, [rv_msg], api_name=api).then(
                review.open, [rv_id, gr.State(None), ui_lang], opened, api_visibility="private")
        comment_btn.click(review.comment, [rv_id, rv_comment, ui_lang], [rv_comment], api_visibility="private").success(
            review.open, [rv_id, rv_base, ui_lang], opened, api_visibility="private")

        ex_btn.click(desk.export, [ex_fmt, ex_unapproved, ex_brand, ex_lang, ex_market, ex_kind, ui_lang],
                     [ex_file, ex_msg], api_name="export")
    demo.bca_labels = L  # the tests check that every label has both languages
    return demo


def launch(demo: gr.Blocks, svc: Services, *, host: str = "127.0.0.1", port: int = 7860, **kwargs):
    """Serve the app; several users at once (the model runs one generation at a time)."""
    exports = svc.settings.home / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    demo.queue(default_concurrency_limit=8)
    return demo.launch(server_name=host, server_port=port, allowed_paths=[str(exports)], max_file_size="5mb",
                       i18n=demo.bca_labels.i18n, css=CSS, show_error=True, **kwargs)
