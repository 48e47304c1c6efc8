"""The fields a reply must have, in words and as an example, for methods where the server does not
see (or may ignore) the JSON schema: JSON mode, JSON object with a schema, the repair request.

Built from the pydantic schema itself, so a prompt file never has to repeat the field list.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel


def field_lines(schema: type[BaseModel]) -> list[str]:
    """One line per field: ``- title (text, at most 200 characters): what it is``."""
    spec = schema.model_json_schema()
    defs = spec.get("$defs", {})
    required = set(spec.get("required", []))
    lines = []
    for name, prop in spec.get("properties", {}).items():
        prop = _resolve(prop, defs)
        what = _describe(prop, defs)
        note = f": {prop['description']}" if prop.get("description") else ""
        optional = "" if name in required else ", optional"
        lines.append(f"- {name} ({what}{optional}){note}")
    return lines


def example(schema: type[BaseModel]) -> dict[str, Any]:
    """A value of the schema's shape with placeholder texts (not valid copy, a shape to follow)."""
    spec = schema.model_json_schema()
    return _example(spec, spec.get("$defs", {}), "")


def schema_instructions(schema: type[BaseModel], *, with_example: bool = True) -> str:
    """The fields in words and, unless the server enforces the schema (then a weak model would only
    copy the placeholders), an example of the shape."""
    text = "Reply with one JSON object and nothing else, with exactly these fields:\n" + "\n".join(field_lines(schema))
    if with_example:
        text += "\nThe shape (replace every value with your own):\n" + json.dumps(example(schema), ensure_ascii=False)
    return text


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref")
    if ref:
        return {**defs.get(ref.rsplit("/", 1)[-1], {}), **{k: v for k, v in prop.items() if k != "$ref"}}
    options = [p for p in prop.get("anyOf", []) if p.get("type") != "null"]
    if options:
        return {**_resolve(options[0], defs), **{k: v for k, v in prop.items() if k != "anyOf"}}
    return prop


def _describe(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    kind = prop.get("type")
    if "enum" in prop:
        return "one of: " + ", ".join(json.dumps(v, ensure_ascii=False) for v in prop["enum"])
    if kind == "string":
        return "text" + (f", at most {prop['maxLength']} characters" if "maxLength" in prop else "")
    if kind == "array":
        low, high = prop.get("minItems"), prop.get("maxItems")
        count = f"{low}-{high} " if low is not None and high is not None else (f"up to {high} " if high else "")
        return f"list of {count}" + _describe(_resolve(prop.get("items", {}), defs), defs)
    if kind == "object":
        inner = _resolve(prop, defs).get("properties", {})
        return "object with " + ", ".join(inner) if inner else "object"
    return {"integer": "whole number", "number": "number", "boolean": "true or false"}.get(kind, "value")


def _example(prop: dict[str, Any], defs: dict[str, Any], name: str) -> Any:
    prop = _resolve(prop, defs)
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "object" or "properties" in prop:
        return {key: _example(value, defs, key) for key, value in prop.get("properties", {}).items()}
    if kind == "array":
        return [_example(prop.get("items", {}), defs, name)] * max(1, min(prop.get("minItems", 1), 2))
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return f"<{name or 'text'}>"
