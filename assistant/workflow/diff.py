"""Show copy as labelled lines and diff two versions of it."""

from __future__ import annotations

import difflib
from typing import Any

from assistant.channels.fields import walk_fields


def field_lines(fields: dict[str, Any]) -> list[str]:
    return [f"{field.label}: {field.text}" for field in walk_fields(fields)]


def first_text(fields: dict[str, Any]) -> str:
    """The item's headline for lists: title, subject, the first headline, or the first field."""
    for key in ("title", "subject", "headline", "headlines", "text", "primary_text"):
        value = fields.get(key)
        if value:
            return str(value[0] if isinstance(value, list) else value)
    for value in fields.values():
        return str(value[0] if isinstance(value, list) and value else value)
    return ""


def diff_versions(old: dict[str, Any], new: dict[str, Any], old_label: str, new_label: str) -> str:
    return "\n".join(difflib.unified_diff(field_lines(old), field_lines(new), old_label, new_label, lineterm=""))
