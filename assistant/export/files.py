"""Writing files safely: atomic writes, and spreadsheet cells that cannot run as formulas."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Stop spreadsheet formula injection (OWASP): a text cell starting with = + - @ TAB or CR
    gets a leading apostrophe, so Excel, LibreOffice and Google Sheets show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_atomic(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write to a temp file in the same folder, then rename: never a half-written export."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        else:
            with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
                handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
