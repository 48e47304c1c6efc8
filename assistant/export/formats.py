"""The export formats, as a registry: file name, renderer, which content kinds it takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.export.email import render_emails
from assistant.export.items import ExportItem, RenderContext
from assistant.export.platforms import render_amazon, render_google_ads, render_shopify
from assistant.export.tabular import render_csv, render_jsonl, render_markdown, render_xlsx

Rendered = str | bytes | dict[str, str]
UNAPPROVED_PREFIX = "UNAPPROVED-"


@dataclass(frozen=True)
class ExportFormat:
    name: str
    target: str  # the file, or the folder for one-file-per-item formats
    render: Callable[[list[ExportItem], RenderContext], Rendered]
    description: str
    kinds: frozenset[str] | None = None  # None: every kind
    bom: bool = False  # default for the UTF-8 byte-order mark (Excel wants it, importers may not)
    one_language: bool = False

    def files(self, items: list[ExportItem], ctx: RenderContext) -> dict[str, str | bytes]:
        """Relative path -> content; an unapproved export's names start with ``UNAPPROVED-``."""
        rendered = self.render(items, ctx)
        files = rendered if isinstance(rendered, dict) else {self.target: rendered}
        return {(UNAPPROVED_PREFIX + path) if ctx.unapproved else path: data for path, data in files.items()}

    def target_for(self, unapproved: bool) -> str:
        return (UNAPPROVED_PREFIX + self.target) if unapproved else self.target


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("csv", "drafts.csv", render_csv, "one row per item, every field (UTF-8 with BOM for Excel)",
                 bom=True),
    ExportFormat("xlsx", "drafts.xlsx", render_xlsx, "the same as the CSV, as an Excel workbook"),
    ExportFormat("jsonl", "drafts.jsonl", render_jsonl, "every item in full: product, fields, findings, model"),
    ExportFormat("markdown", "drafts.md", render_markdown, "readable copy, one section per item"),
    ExportFormat("shopify", "shopify_products.csv", render_shopify, "Shopify product CSV (listings)",
                 kinds=frozenset({"listing"}), one_language=True),
    ExportFormat("amazon", "amazon_flat_file.txt", render_amazon,
                 "Amazon inventory flat file, tab-delimited (listings)", kinds=frozenset({"listing"}),
                 one_language=True),
    ExportFormat("google_ads", "google_ads_rsa.csv", render_google_ads,
                 "Google Ads Editor CSV, responsive search ads", kinds=frozenset({"search_ad"})),
    ExportFormat("email_html", "emails", render_emails, "one HTML file per e-mail", kinds=frozenset({"email"})),
)}
