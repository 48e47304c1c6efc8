"""Exports (CSV, JSONL) and the HTML review report. Files are written atomically."""

from assistant.export.files import EXPORT_FORMATS, export_drafts
from assistant.export.report import write_report

__all__ = ["EXPORT_FORMATS", "export_drafts", "write_report"]
