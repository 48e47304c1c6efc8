"""results.jsonl: one line per finished item, appended as items finish (one ``write`` per line on a
file opened for appending, so processes sharing the folder do not interleave lines).

The database is the record; the file is its streamed view. ``reconcile`` makes the file hold every
finished item exactly once: it drops a line cut off by a killed process, duplicates, and lines of
items the database does not hold as finished, and appends the finished items the file is missing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class ResultsFile:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def reconcile(self, records: Iterable[dict[str, Any]]) -> int:
        """Rewrite the file from ``records`` (every finished item, from the database) when it differs;
        returns how many lines were added or dropped."""
        present: list[int] = []
        if self.path.exists():
            with self.path.open(encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    try:
                        present.append(int(json.loads(line)["item"]))
                    except (ValueError, KeyError, TypeError):
                        present.append(-1)
        tmp = self.path.with_suffix(f".jsonl.{os.getpid()}.tmp")
        wanted: list[int] = []
        with tmp.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                wanted.append(int(record["item"]))
        if sorted(present) != sorted(wanted):
            os.replace(tmp, self.path)
            return len(set(present) ^ set(wanted)) + len(present) - len(set(present))
        tmp.unlink()
        return 0


class Follow:
    """The lines other processes append to a results file, as they come (``tail -f``): what was
    there when following started is skipped, a line still being written waits for its end."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.offset = self.path.stat().st_size if self.path.exists() else 0
        self.partial = b""

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            chunk = fh.read()
        self.offset += len(chunk)
        *lines, self.partial = (self.partial + chunk).split(b"\n")
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line cut off by a killed process: reconciled at the end
        return records
