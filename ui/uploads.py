"""Uploaded files: checked for type and size, then copied into the data directory under a fresh
folder with a safe name (the browser's file name never becomes a path)."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import AssistantError, InputError

PRODUCT_TYPES = (".csv", ".xlsx", ".json", ".jsonl")
GUIDELINE_TYPES = (".md", ".txt", ".html", ".htm", ".pdf", ".docx")
MAX_MB = 5


def _name(original: str, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(original).stem).strip("._") or "upload"
    return stem[:60] + suffix


def accept_upload(path: str | Path | None, home: Path, *, allowed: tuple[str, ...], area: str,
                  max_mb: float = MAX_MB) -> Path:
    """Copy an uploaded file to ``<home>/uploads/<area>/<random>/<safe name>`` and return that path."""
    if not path:
        raise InputError("no file uploaded", fix="choose a file first")
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in allowed:
        raise InputError(f"files of type '{suffix or '(none)'}' are not accepted here", where=source.name,
                         fix=f"use {', '.join(allowed)}")
    size = source.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise InputError(f"the file is {size / 1024 / 1024:.1f} MB; the limit is {max_mb} MB", where=source.name,
                         fix="split it into smaller files")
    root = (home / "uploads" / area).resolve()
    target = (root / uuid.uuid4().hex / _name(source.name, suffix)).resolve()
    if root not in target.parents:  # cannot happen with the names above; kept as the last line of defence
        raise InputError("refused an upload path outside the data directory", where=source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


@contextmanager
def named_as(path: Path, name: str) -> Iterator[None]:
    """Errors about the stored copy name the file the user uploaded (not a server path)."""
    try:
        yield
    except AssistantError as exc:
        if exc.where:
            exc.where = exc.where.replace(str(path), name)
            exc.args = (exc.render(),)
        raise
