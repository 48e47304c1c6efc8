from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from assistant.errors import InputError
from assistant.generation.models import Draft

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_BULLETS = 5


def neutralise(value: Any) -> Any:
    """Stop spreadsheet formula injection: a text cell starting with = + - @ TAB CR gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def flat_row(draft: Draft) -> dict[str, Any]:
    f = draft.fields
    bullets = list(f.get("bullets", []))[:MAX_BULLETS]
    counts = draft.report.counts()
    row = {
        "draft_id": draft.id, "brand": draft.request.brand, "sku": draft.request.product.sku,
        "kind": draft.request.kind, "lang": draft.request.lang, "market": draft.request.market,
        "status": draft.status, "title": f.get("title", ""),
    }
    row |= {f"bullet_{i + 1}": bullets[i] if i < len(bullets) else "" for i in range(MAX_BULLETS)}
    row |= {
        "description": f.get("description", ""), "meta_title": f.get("meta_title", ""),
        "meta_description": f.get("meta_description", ""), "image_alt_text": f.get("image_alt_text", ""),
        "search_keywords": "; ".join(f.get("search_keywords", [])), "score": draft.report.score,
        "errors": counts["error"], "warnings": counts["warning"], "provider": draft.provider,
        "model": draft.model, "prompt": f"{draft.prompt_name}@v{draft.prompt_version}",
        "prompt_tokens": draft.usage.prompt_tokens, "completion_tokens": draft.usage.completion_tokens,
        "cost_usd": draft.usage.cost_usd, "latency_ms": draft.usage.latency_ms,
    }
    return row


def _csv(drafts: list[Draft]) -> str:
    buf = io.StringIO()
    rows = [flat_row(d) for d in drafts]
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["draft_id"])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return buf.getvalue()


def _jsonl(drafts: list[Draft]) -> str:
    return "".join(json.dumps(d.model_dump(mode="json"), ensure_ascii=False) + "\n" for d in drafts)


EXPORT_FORMATS: dict[str, tuple[str, Callable[[list[Draft]], str]]] = {
    "csv": ("drafts.csv", _csv),
    "jsonl": ("drafts.jsonl", _jsonl),
}


def write_atomic(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write to a temp file in the same folder, then rename: never a half-written export."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def export_drafts(drafts: list[Draft], fmt: str, out_dir: Path) -> Path:
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format '{fmt}'", fix=f"use one of: {', '.join(EXPORT_FORMATS)}")
    name, render = EXPORT_FORMATS[fmt]
    return write_atomic(Path(out_dir) / name, render(drafts), encoding="utf-8-sig" if fmt == "csv" else "utf-8")
