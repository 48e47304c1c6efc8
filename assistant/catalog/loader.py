"""Read a product file. Every error names the file, the line or row, and the field.

``read_products`` reports each bad line or row (with its location) and keeps the others;
``load_products`` is the strict form for files that must be entirely valid (shipped samples, evals).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from assistant.catalog.models import Product
from assistant.errors import InputError

LIST_SEPARATOR = ";"
MAX_CELL_CHARS = 20_000  # a longer cell is refused (the checker reads fields up to this length too)
_KNOWN = set(Product.model_fields)
_LIST_FIELDS = {"features", "keywords"}
_PRICE_FORMATS = (  # (pattern, thousands separator, decimal separator)
    (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,4})?"), ",", "."),  # 1,234.56
    (re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,4})?"), ".", ","),  # 1.234,56
    (re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d{1,4})?"), None, None),  # 1 234,56
    (re.compile(r"\d{1,12}(?:[.,]\d{1,4})?"), None, None),  # 1234.56 or 1234,56
)


@dataclass
class ProductFile:
    products: list[Product] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)  # each bad line or row, skipped


def load_products(path: str | Path) -> list[Product]:
    """Load all products or raise the first problem as an ``InputError``; never a partial list."""
    loaded = read_products(path)
    if loaded.problems:
        raise loaded.problems[0]
    return loaded.products


def read_products(path: str | Path) -> ProductFile:
    """The valid products of a file, and a located ``InputError`` for each bad line or row (skipped).
    A file that cannot be read at all raises."""
    path = Path(path)
    if not path.exists():
        raise InputError("product file not found", where=str(path), fix="check the path")
    if not path.is_file():
        raise InputError("not a file (a folder?)", where=str(path), fix="give one .json, .jsonl, .csv or .xlsx file")
    suffix = path.suffix.lower()
    readers = {".json": _read_json, ".jsonl": _read_jsonl, ".csv": _read_csv, ".xlsx": _read_xlsx}
    if suffix not in readers:
        raise InputError(
            f"unsupported product file type '{suffix or '(none)'}'",
            where=str(path),
            fix="use .json, .jsonl, .csv or .xlsx",
        )
    out = ProductFile()
    seen: dict[str, str] = {}
    rows = 0
    for where, row in readers[suffix](path):
        rows += 1
        try:
            if isinstance(row, InputError):
                raise row
            product = _validate(row, f"{path}:{where}")
            if product.sku in seen:
                raise InputError(f"duplicate sku '{product.sku}' (first at {seen[product.sku]})", where=f"{path}:{where}")
        except InputError as exc:
            out.problems.append(exc)
            continue
        seen[product.sku] = where
        out.products.append(product)
    if not rows:
        raise InputError("the product file holds no products", where=str(path))
    return out


def _validate(row: Any, where: str) -> Product:
    if not isinstance(row, dict):
        raise InputError("a product must be a JSON object", where=where)
    try:
        return Product.model_validate(row)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field_name = ".".join(str(p) for p in err["loc"]) or "(row)"
            msg = {
                "missing": "required field is missing",
                "extra_forbidden": "unknown field",
            }.get(err["type"], err["msg"])
            problems.append(f"field '{field_name}': {msg}")
        raise InputError(
            "; ".join(problems),
            where=where,
            fix=f"required fields: sku, name; optional: {', '.join(sorted(_KNOWN - {'sku', 'name'}))}",
        ) from exc


def _text(path: Path, encoding: str = "utf-8") -> str:
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start + 1})", where=str(path), fix="save the file as UTF-8") from exc


def _json(text: str) -> Any:
    """``json.loads`` whose deep nesting is an error like any other (``ValueError``)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _read_json(path: Path) -> Iterable[tuple[str, Any]]:
    try:
        data = _json(_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", where=f"{path}:{exc.lineno}:{exc.colno}") from exc
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", where=str(path)) from exc
    items = data if isinstance(data, list) else data.get("products", [data]) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError("expected a product object, a list of products or {\"products\": [...]}", where=str(path))
    return ((f"item {i}", item) for i, item in enumerate(items, start=1))


def _read_jsonl(path: Path) -> Iterable[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):  # \n only: \r or U+2028 keep the numbers
        where = f"line {number}"
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            if line.strip():
                out.append((where, _json(line)))
        except UnicodeDecodeError as exc:
            out.append((where, InputError(f"not UTF-8 text (byte {exc.start + 1})", where=f"{path}:{where}")))
        except ValueError as exc:  # JSONDecodeError included
            out.append((where, InputError(f"not valid JSON: {getattr(exc, 'msg', exc)}", where=f"{path}:{where}")))
    return out


def parse_price(text: str) -> float:
    """A price as written in a spreadsheet: ``1234.56``, ``1,234.56``, ``1.234,56``, ``1 234,56``."""
    compact = text.strip()
    for pattern, thousands, decimal in _PRICE_FORMATS:
        if pattern.fullmatch(compact):
            if thousands is None:
                compact = re.sub(r"[ \u00a0\u202f]", "", compact).replace(",", ".")
            else:
                compact = compact.replace(thousands, "").replace(decimal, ".")
            return float(compact)
    raise ValueError(f"field 'price': '{text}' is not a price (write e.g. 1234.56, 1,234.56 or 1.234,56)")


def _row_to_product(row: dict[str, Any]) -> dict[str, Any]:
    """Known columns map to fields; list columns split on ';'; other columns become facts."""
    product: dict[str, Any] = {}
    facts: dict[str, str] = {}
    for key, value in row.items():
        if key is None:
            raise ValueError("the row has more cells than the header has columns")
        key = key.strip()
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        if len(text) > MAX_CELL_CHARS:
            raise ValueError(f"field '{key}': {len(text):,} characters; at most {MAX_CELL_CHARS:,}")
        if key in _LIST_FIELDS:
            product[key] = [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
        elif key == "price":
            product[key] = value if isinstance(value, (int, float)) and not isinstance(value, bool) else parse_price(text)
        elif key in _KNOWN:
            product[key] = text
        else:
            facts[key.removeprefix("fact:").strip()] = text
    if facts:
        product["facts"] = facts
    return product


def _read_csv(path: Path) -> list[tuple[str, Any]]:
    text = _text(path, "utf-8-sig")
    reader = csv.DictReader(text.split("\n"))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise InputError(f"not a readable CSV header: {exc}", where=f"{path}:line 1") from exc
    if not fieldnames or not {"sku", "name"} & {f.strip() for f in fieldnames}:
        raise InputError(
            "not a product CSV: the header row must name the columns (at least sku and name)",
            where=f"{path}:line 1",
        )
    out: list[tuple[str, Any]] = []
    read = reader.line_num  # lines read so far: the next row starts after them
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a cell over the csv module's limit: this row is skipped
            where = f"line {read + 1}"
            out.append((where, InputError(f"not a readable CSV row: {exc}", where=f"{path}:{where}")))
            read = max(reader.line_num, read + 1)
            continue
        where = f"line {read + 1}"
        read = reader.line_num
        try:
            out.append((where, _row_to_product(row)))
        except ValueError as exc:
            out.append((where, InputError(str(exc), where=f"{path}:{where}")))
    return out


def _read_xlsx(path: Path) -> list[tuple[str, Any]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).active
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise InputError(f"not a readable XLSX workbook: {exc}", where=str(path)) from exc
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    if "sku" not in header or "name" not in header:
        raise InputError("the first row must name the columns (at least sku and name)", where=f"{path}:row 1")
    out: list[tuple[str, Any]] = []
    for number, values in enumerate(rows, start=2):
        if all(v is None for v in values):
            continue
        try:
            out.append((f"row {number}", _row_to_product(dict(zip(header, values)))))
        except ValueError as exc:
            out.append((f"row {number}", InputError(str(exc), where=f"{path}:row {number}")))
    return out
