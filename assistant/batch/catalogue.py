"""Stream a catalogue (CSV, XLSX, JSONL) row by row: a 50,000-row file is never held in memory.

The text encoding of CSV and JSONL is detected from the first bytes (UTF-8, UTF-8 with BOM,
GB18030/GBK, Shift_JIS) and reported; column names are mapped to product fields through the
aliases in ``columns.yaml`` (or a file given per run); a row that is not a valid product is
yielded as a ``RowError`` with its line or row number and the reason, and reading goes on.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.catalog import Product
from assistant.catalog.loader import parse_price
from assistant.errors import InputError

SAMPLE_BYTES = 64 * 1024
LIST_SEPARATOR = ";"
LIST_FIELDS = {"features", "keywords"}
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}
_KEY = re.compile(r"[\s_\-]+")


@dataclass
class RowError:
    where: str  # "line 7" or "row 7"
    reason: str
    raw: str = ""


@dataclass
class CatalogueInfo:
    path: Path
    format: str
    encoding: str  # what was detected, e.g. "utf-8", "utf-8-sig", "gb18030", "shift_jis", "xlsx"
    columns: dict[str, str] = field(default_factory=dict)  # header -> field ("fact:<name>" for facts)


def _norm(name: str) -> str:
    return _KEY.sub("", name.strip().lower())


def load_aliases(path: Path | None = None) -> dict[str, str]:
    """``{normalised column name: field}`` from the shipped aliases, extended by ``path``."""
    text = resources.files("assistant.batch").joinpath("columns.yaml").read_text("utf-8")
    sources = [("columns.yaml", text)]
    if path is not None:
        try:
            sources.append((str(path), Path(path).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the column map: {exc}", where=str(path)) from exc
    aliases: dict[str, str] = {}
    for where, raw in sources:
        data = yaml.safe_load(raw) or {}
        if not isinstance(data, dict):
            raise InputError("a column map is a mapping of field: [column names]", where=where)
        for name, names in data.items():
            if name not in Product.model_fields or name == "facts":
                raise InputError(f"unknown product field '{name}'", where=where,
                                 fix=f"use one of: {', '.join(f for f in Product.model_fields if f != 'facts')}")
            for alias in [name, *(names if isinstance(names, list) else [names])]:
                aliases[_norm(str(alias))] = name
    return aliases


def detect_encoding(sample: bytes) -> str:
    """The encoding of a text sample. GB18030 decodes almost any bytes, so Shift_JIS and GB18030
    are both tried and scored: real Japanese has kana; GBK read as Shift_JIS turns into
    half-width katakana."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # the sample ends inside a character
            return "utf-8"
    scores = {}
    for enc in ("shift_jis", "gb18030"):
        text = _decode_prefix(sample, enc)
        if text is None:
            continue
        kana = sum(1 for c in text if "\u3040" <= c <= "\u30ff")
        cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
        odd = sum(1 for c in text if "\uff61" <= c <= "\uff9f" or "\ue000" <= c <= "\uf8ff" or c == "\ufffd")
        scores[enc] = 2 * kana + cjk - 4 * odd
    if not scores:
        raise InputError("the file is neither UTF-8, GB18030/GBK nor Shift_JIS text",
                         fix="save it as UTF-8 (Excel: Save As > CSV UTF-8)")
    return max(scores, key=lambda enc: (scores[enc], enc == "gb18030"))


def _decode_prefix(sample: bytes, enc: str) -> str | None:
    for cut in range(4):  # the sample may end inside a two- or four-byte character
        try:
            return sample[: len(sample) - cut].decode(enc)
        except UnicodeDecodeError:
            continue
    return None


class Catalogue:
    """``for entry in Catalogue(path)``: each entry is ``(where, Product)`` or a ``RowError``."""

    def __init__(self, path: str | Path, *, column_map: Path | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError("catalogue file not found", where=str(self.path), fix="check the path")
        fmt = FORMATS.get(self.path.suffix.lower())
        if fmt is None:
            raise InputError(f"unsupported catalogue type '{self.path.suffix or '(none)'}'", where=str(self.path),
                             fix="use .csv, .xlsx or .jsonl")
        self.aliases = load_aliases(column_map)
        encoding = "xlsx"
        if fmt != "xlsx":
            with self.path.open("rb") as fh:
                encoding = detect_encoding(fh.read(SAMPLE_BYTES))
        self.info = CatalogueInfo(self.path, fmt, encoding)

    def __iter__(self) -> Iterator[tuple[str, Product] | RowError]:
        seen: dict[str, str] = {}
        rows = {"csv": self._csv, "jsonl": self._jsonl, "xlsx": self._xlsx}[self.info.format]()
        try:
            for where, row in rows:
                if isinstance(row, RowError):
                    yield row
                    continue
                entry = self._product(where, row)
                if isinstance(entry, RowError):
                    yield entry
                elif entry.sku in seen:
                    yield RowError(where, f"duplicate sku '{entry.sku}' (first at {seen[entry.sku]})")
                else:
                    seen[entry.sku] = where
                    yield where, entry
        except UnicodeDecodeError as exc:
            raise InputError(f"not {self.info.encoding} text after all: {exc.reason}", where=str(self.path),
                             fix="save the file in one encoding, preferably UTF-8") from exc

    # ---- readers: (where, dict | RowError) ----------------------------------------------------
    def _csv(self) -> Iterator[tuple[str, Any]]:
        with self.path.open(encoding=self.info.encoding, newline="") as fh:
            sample = fh.read(8192)
            fh.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            reader = csv.reader(fh, dialect)
            header = next(reader, None)
            self._map_header(header or [], "line 1")
            for values in reader:
                where = f"line {reader.line_num}"
                if not any(v.strip() for v in values):
                    continue
                if len(values) > len(header):
                    yield where, RowError(where, f"the row has {len(values)} cells, the header {len(header)}",
                                          raw=dialect.delimiter.join(values)[:500])
                    continue
                yield where, dict(zip(header, values))

    def _jsonl(self) -> Iterator[tuple[str, Any]]:
        with self.path.open(encoding=self.info.encoding) as fh:
            for number, line in enumerate(fh, start=1):
                where = f"line {number}"
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield where, RowError(where, f"not valid JSON: {exc.msg}", raw=line[:500])
                    continue
                if not isinstance(row, dict):
                    yield where, RowError(where, "a product must be a JSON object", raw=line[:500])
                    continue
                self._map_header(list(row), where, merge=True)
                yield where, row

    def _xlsx(self) -> Iterator[tuple[str, Any]]:
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
            raise InputError(f"not a readable XLSX workbook: {exc}", where=str(self.path)) from exc
        try:
            rows = book.active.iter_rows(values_only=True)
            header = ["" if h is None else str(h) for h in next(rows, ())]
            self._map_header(header, "row 1")
            for number, values in enumerate(rows, start=2):
                if all(v is None or str(v).strip() == "" for v in values):
                    continue
                yield f"row {number}", dict(zip(header, values))
        finally:
            book.close()

    # ---- mapping --------------------------------------------------------------------------------
    def _map_header(self, header: list[str], where: str, *, merge: bool = False) -> None:
        columns = {h: self.aliases.get(_norm(h), f"fact:{h.strip()}") for h in header if h and h.strip()}
        if merge:
            self.info.columns.update({k: v for k, v in columns.items() if k not in self.info.columns})
            return
        self.info.columns = columns
        mapped = set(columns.values())
        if not {"sku", "name"} <= mapped:
            missing = sorted({"sku", "name"} - mapped)
            raise InputError(f"no column for {' and '.join(missing)} in the header {header[:12]}",
                             where=f"{self.path}:{where}",
                             fix="name the columns (e.g. sku, name) or map yours with --columns FILE")

    def _product(self, where: str, row: dict[str, Any]) -> Product | RowError:
        product: dict[str, Any] = {}
        facts: dict[str, str] = {}
        for key, value in row.items():
            target = self.aliases.get(_norm(str(key)), f"fact:{str(key).strip()}")
            if isinstance(value, (dict, list)) and target not in LIST_FIELDS and target != "fact:facts":
                return RowError(where, f"column '{key}': expected text, got {type(value).__name__}")
            if target == "fact:facts" and isinstance(value, dict):
                facts.update({str(k): str(v) for k, v in value.items()})
                continue
            if isinstance(value, list):
                product[target] = [str(v).strip() for v in value if str(v).strip()]
                continue
            text = "" if value is None else str(value).strip()
            if not text:
                continue
            if target in LIST_FIELDS:
                product[target] = [p.strip() for p in text.split(LIST_SEPARATOR) if p.strip()]
            elif target == "price":
                try:  # the catalogue loader's rule: 1,234.56 / 1.234,56 / 1 234,56; never inf or nan
                    product["price"] = parse_price(text.lstrip("$€£¥"))
                except ValueError:
                    return RowError(where, f"column '{key}': '{text[:40]}' is not a number "
                                           "(write a price such as 1234.56, 1,234.56 or 1.234,56)")
            elif target.startswith("fact:"):
                facts[target.removeprefix("fact:").strip()] = text
            else:
                product[target] = text
        if facts:
            product["facts"] = facts
        try:
            return Product.model_validate(product)
        except ValidationError as exc:
            problems = "; ".join(f"field '{'.'.join(map(str, e['loc'])) or '(row)'}': "
                                 f"{'required field is missing' if e['type'] == 'missing' else e['msg']}"
                                 for e in exc.errors())
            return RowError(where, problems)
