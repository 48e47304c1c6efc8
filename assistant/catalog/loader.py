"""Read a product file. Every error names the file, the line or row, and the field."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from assistant.catalog.models import Product
from assistant.errors import InputError

LIST_SEPARATOR = ";"
_KNOWN = set(Product.model_fields)
_LIST_FIELDS = {"features", "keywords"}


def load_products(path: str | Path) -> list[Product]:
    """Load all products or raise one ``InputError``; never returns a partial list."""
    path = Path(path)
    if not path.exists():
        raise InputError("product file not found", where=str(path), fix="check the path")
    suffix = path.suffix.lower()
    readers = {".json": _read_json, ".jsonl": _read_jsonl, ".csv": _read_csv, ".xlsx": _read_xlsx}
    if suffix not in readers:
        raise InputError(
            f"unsupported product file type '{suffix or '(none)'}'",
            where=str(path),
            fix="use .json, .jsonl, .csv or .xlsx",
        )
    rows = list(readers[suffix](path))
    if not rows:
        raise InputError("the product file holds no products", where=str(path))
    products: list[Product] = []
    seen: dict[str, str] = {}
    for where, row in rows:
        product = _validate(row, f"{path}:{where}")
        if product.sku in seen:
            raise InputError(
                f"duplicate sku '{product.sku}' (first at {seen[product.sku]})", where=f"{path}:{where}"
            )
        seen[product.sku] = where
        products.append(product)
    return products


def _validate(row: Any, where: str) -> Product:
    if not isinstance(row, dict):
        raise InputError("a product must be a JSON object", where=where)
    try:
        return Product.model_validate(row)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(row)"
            msg = {
                "missing": "required field is missing",
                "extra_forbidden": "unknown field",
            }.get(err["type"], err["msg"])
            problems.append(f"field '{field}': {msg}")
        raise InputError(
            "; ".join(problems),
            where=where,
            fix=f"required fields: sku, name; optional: {', '.join(sorted(_KNOWN - {'sku', 'name'}))}",
        ) from exc


def _read_json(path: Path) -> Iterable[tuple[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", where=f"{path}:{exc.lineno}:{exc.colno}") from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", where=str(path), fix="save the file as UTF-8") from exc
    items = data if isinstance(data, list) else data.get("products", [data]) if isinstance(data, dict) else None
    if items is None:
        raise InputError("expected a product object or a list of products", where=str(path))
    return ((f"item {i}", item) for i, item in enumerate(items, start=1))


def _read_jsonl(path: Path) -> Iterable[tuple[str, Any]]:
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", where=str(path), fix="save the file as UTF-8") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append((f"line {number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", where=f"{path}:line {number}") from exc
    return out


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
        if key in _LIST_FIELDS:
            product[key] = [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
        elif key == "price":
            try:
                product[key] = float(text.replace(",", ""))
            except ValueError:
                raise ValueError(f"field 'price': '{text}' is not a number") from None
        elif key in _KNOWN:
            product[key] = text
        else:
            facts[key.removeprefix("fact:").strip()] = text
    if facts:
        product["facts"] = facts
    return product


def _read_csv(path: Path) -> list[tuple[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", where=str(path), fix="save the CSV as UTF-8") from exc
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or not {"sku", "name"} & {f.strip() for f in reader.fieldnames}:
        raise InputError(
            "not a product CSV: the header row must name the columns (at least sku and name)",
            where=f"{path}:line 1",
        )
    out = []
    for row in reader:
        where = f"line {reader.line_num}"
        try:
            out.append((where, _row_to_product(row)))
        except ValueError as exc:
            raise InputError(str(exc), where=f"{path}:{where}") from exc
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
    out = []
    for number, values in enumerate(rows, start=2):
        if all(v is None for v in values):
            continue
        try:
            out.append((f"row {number}", _row_to_product(dict(zip(header, values)))))
        except ValueError as exc:
            raise InputError(str(exc), where=f"{path}:row {number}") from exc
    return out
