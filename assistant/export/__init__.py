"""Exports of approved copy (CSV, XLSX, JSONL, Markdown, Shopify, Amazon, Google Ads, e-mail HTML)
and the HTML review report. Files are written atomically; every export is recorded."""

from assistant.export.formats import FORMATS, UNAPPROVED_PREFIX
from assistant.export.items import ExportItem, RenderContext
from assistant.export.report import write_report
from assistant.export.service import ExportResult, ExportService, Selection

__all__ = ["FORMATS", "UNAPPROVED_PREFIX", "ExportItem", "ExportResult", "ExportService", "RenderContext",
           "Selection", "write_report"]
