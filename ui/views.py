"""Pure functions that turn service results into component values. Everything that came from a
product file, a model or a person is shown as plain text (tables, highlighted text, code) or, where
HTML is needed (the side-by-side diff, Markdown headers), escaped here."""

from __future__ import annotations

import difflib
import html
import re
from typing import Any

from assistant.channels import FieldLimit, measure
from assistant.channels.fields import walk_fields
from assistant.compliance.models import CheckReport
from assistant.workflow.diff import field_lines

SEVERITY_COLORS = {"error": "#ef4444", "warning": "#f59e0b", "info": "#3b82f6"}
_RANK = {"error": 0, "warning": 1, "info": 2}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def esc(value: Any) -> str:
    """Escape for gr.Markdown / gr.HTML: HTML first, then Markdown's special characters."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=True))


def highlighted(fields: dict[str, Any], report: CheckReport) -> list[tuple[str, str | None]]:
    """(text, severity) segments for gr.HighlightedText: one line per field, findings marked."""
    by_label: dict[str, list] = {}
    for f in report.findings:
        by_label.setdefault(f.field or "", []).append(f)
    segments: list[tuple[str, str | None]] = []
    for label, text in ((t.label, t.text) for t in walk_fields(fields)):
        segments.append((f"{label}: ", None))
        pos = 0
        spans = sorted((f for f in by_label.get(label, []) if f.end > f.start and f.end <= len(text)),
                       key=lambda f: (f.start, _RANK[f.severity]))
        for f in spans:
            if f.start < pos:
                continue
            if f.start > pos:
                segments.append((text[pos:f.start], None))
            segments.append((text[f.start:f.end], f.severity))
            pos = f.end
        segments.append((text[pos:] + "\n", None))
    return segments


def highlighted_text(text: str, report: CheckReport) -> list[tuple[str, str | None]]:
    """The same for pasted copy, whose findings carry offsets into the whole text."""
    segments: list[tuple[str, str | None]] = []
    pos = 0
    for f in sorted(report.findings, key=lambda f: (f.start, _RANK[f.severity])):
        if f.start < pos or f.end <= f.start or f.end > len(text):
            continue
        if f.start > pos:
            segments.append((text[pos:f.start], None))
        segments.append((text[f.start:f.end], f.severity))
        pos = f.end
    segments.append((text[pos:], None))
    return segments


def findings_rows(report: CheckReport) -> list[list[str]]:
    ordered = sorted(report.findings, key=lambda f: (_RANK[f.severity], f.field or "", f.start))
    return [[f.severity, f.category, f.field or "", f.matched or "", f.message, f.source or "",
             f.suggestion or (f.replacement if f.replacement is not None else "")] for f in ordered]


def field_rows(fields: dict[str, Any], limits: dict[str, FieldLimit]) -> list[list[Any]]:
    rows = []
    for label, text in ((t.label, t.text) for t in walk_fields(fields)):
        limit = limits.get(label.split("[")[0])
        count = limit.count if limit else "chars"
        rows.append([label, text, measure(text, count), f"{limit.max} {count}" if limit and limit.max else ""])
    return rows


def diff_html(old: dict[str, Any], new: dict[str, Any], old_label: str, new_label: str) -> str:
    """Side-by-side diff; difflib escapes the text (<, >, &) in the table it builds."""
    table = difflib.HtmlDiff().make_table(
        field_lines(old), field_lines(new), html.escape(old_label), html.escape(new_label))
    return f'<div class="bca-diff">{table.replace("&nbsp;", " ")}</div>'


def counts(report: CheckReport) -> dict[str, int]:
    return report.counts()
