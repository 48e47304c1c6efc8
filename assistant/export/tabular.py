"""Generic exports for every content kind: flat CSV, XLSX, JSONL and Markdown."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from typing import Any

from openpyxl import Workbook

from assistant.export.files import neutralise
from assistant.export.items import ExportItem, RenderContext

JOINED = {"search_keywords", "keywords", "hashtags"}  # sets of terms: one cell, "; "-separated
META_BEFORE = ["item_id", "version", "status", "approved_by", "brand", "sku", "kind", "lang", "market", "platform"]
META_AFTER = ["score", "errors", "warnings", "provider", "model", "prompt", "prompt_tokens", "completion_tokens",
              "cost_usd", "latency_ms"]
UNAPPROVED_SHEET = "UNAPPROVED"


def field_columns(items: list[ExportItem]) -> list[tuple[str, str, int | None]]:
    """(column, field, index) for every field of every item; lists become field_1..field_n."""
    widths: dict[str, int | None] = {}
    for item in items:
        for name, value in item.fields.items():
            if isinstance(value, list) and name not in JOINED:
                widths[name] = max(widths.get(name) or 0, len(value))
            else:
                widths.setdefault(name, None)
    columns = []
    for name, width in widths.items():
        if width is None:
            columns.append((name, name, None))
        else:
            columns += [(f"{name}_{i + 1}", name, i) for i in range(max(width, 1))]
    return columns


def flat_rows(items: list[ExportItem]) -> tuple[list[str], list[dict[str, Any]]]:
    columns = field_columns(items)
    header = META_BEFORE + [c for c, _, _ in columns] + META_AFTER
    rows = []
    for item in items:
        counts = item.report.counts()
        usage = item.usage
        row: dict[str, Any] = {
            "item_id": item.item_id, "version": item.version, "status": item.status,
            "approved_by": item.approved_by or "", "brand": item.brand, "sku": item.sku, "kind": item.kind,
            "lang": item.lang, "market": item.market, "platform": item.platform or "",
        }
        for column, name, index in columns:
            value = item.fields.get(name, "")
            if index is not None:
                value = value[index] if isinstance(value, list) and index < len(value) else ""
            elif isinstance(value, list):
                value = "; ".join(map(str, value))
            row[column] = value
        row |= {
            "score": item.report.score, "errors": counts["error"], "warnings": counts["warning"],
            "provider": item.provider or "", "model": item.model or "", "prompt": item.prompt or "",
            "prompt_tokens": usage.prompt_tokens if usage else "",
            "completion_tokens": usage.completion_tokens if usage else "",
            "cost_usd": usage.cost_usd if usage and usage.cost_usd is not None else "",
            "latency_ms": usage.latency_ms if usage else "",
        }
        rows.append(row)
    return header, rows


def to_csv(header: list[str], rows: list[dict[str, Any]], delimiter: str = ",") -> str:
    """CSV text with every cell neutralised against formula injection."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(row.get(k, "")) for k in header})
    return buf.getvalue()


def render_csv(items: list[ExportItem], ctx: RenderContext) -> str:
    return to_csv(*flat_rows(items))


def render_xlsx(items: list[ExportItem], ctx: RenderContext) -> bytes:
    """Cells are written as text (never formulas) and neutralised like the CSV; characters XML 1.0
    cannot hold (``\x0b``, other control characters) become U+FFFD."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value: Any) -> Any:
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value

    header, rows = flat_rows(items)
    wb = Workbook()
    ws = wb.active
    ws.title = UNAPPROVED_SHEET if ctx.unapproved else "approved"
    ws.append([cell(h) for h in header])
    for row in rows:
        ws.append([cell(neutralise(row.get(k, ""))) for k in header])
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    if ctx.unapproved:
        wb.properties.title = "UNAPPROVED copy: not for publication"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_jsonl(items: list[ExportItem], ctx: RenderContext) -> str:
    lines = []
    for item in items:
        record = {"approved": item.approved, **item.model_dump(mode="json")}
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]!|])")
_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data|file)\s*:")


def md_text(value: Any) -> str:
    """Untrusted text as inert Markdown: HTML tags become entities, link/emphasis syntax is
    backslash-escaped (so no ``[x](javascript:...)`` link can form) and script-like URL schemes
    are broken (``javascript&#58;``) for renderers that auto-link bare text."""
    text = html.escape(str(value), quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _SCHEME.sub(lambda m: f"{m.group(1)}&#58;", text)


def _md_line(value: Any) -> str:
    return md_text(" ".join(str(value).split()))


def render_markdown(items: list[ExportItem], ctx: RenderContext) -> str:
    """Readable copy. Every value (fields and metadata) goes through ``md_text``."""
    out = []
    if ctx.unapproved:
        out.append("> **UNAPPROVED**: this file contains copy that no reviewer has approved. Do not publish.\n")
    for item in items:
        title = item.text("title") or item.text("subject") or item.sku
        out.append(f"## {_md_line(title)}\n")
        meta = [item.brand, item.sku, item.kind, f"{item.lang}-{item.market}", f"item {item.item_id} v{item.version}",
                item.status + (f" by {item.approved_by}" if item.approved_by else "")]
        out.append("*" + " · ".join(_md_line(m) for m in meta) + "*\n")
        for name, value in item.fields.items():
            label = _md_line(name.replace("_", " ").capitalize())
            if isinstance(value, list):
                out.append(f"**{label}**\n\n" + "\n".join(f"- {_md_line(v)}" for v in value) + "\n")
            else:
                out.append(f"**{label}**\n\n{md_text(value)}\n")
    return "\n".join(out)
