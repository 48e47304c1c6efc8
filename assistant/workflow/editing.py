"""Edit copy as text: the fields as YAML (what ``$EDITOR`` shows), parsed and validated back.

An edit keeps the item's field names (it may not add or drop a field); a text field stays text and
a list stays a list of texts. Errors name the line or field and how to fix it.
"""

from __future__ import annotations

from typing import Any

import yaml

from assistant.errors import InputError

HEADER = """# Editing item {id} version {version} ({kind}, {lang}-{market}, {status}).
# Change the text and save; lines starting with # are ignored. Keep the field names.
# Quote a value that starts with a special character ("- ...", ": ...", "# ...").
"""


def to_editable(fields: dict[str, Any], **meta: Any) -> str:
    body = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
    return HEADER.format(**meta) + body


def parse_edited(text: str, where: str) -> dict[str, Any]:
    """The fields of an edited YAML (or JSON) text. Every value is read as written: ``yes``, ``on``,
    ``0755`` and ``1e3`` stay text (YAML's base loader resolves no types)."""
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - builds str, list and dict only
    except RecursionError:
        raise InputError("nested too deeply", where=where, fix="write one `field: text` per line") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{where}:{mark.line + 1}" if mark else where
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', exc)}", where=line,
                         fix="keep one `field: text` per line; quote text that contains ': ' or starts with '-'") from exc
    if not isinstance(data, dict):
        raise InputError("expected the fields as `name: text` lines", where=where)
    return data


def validate_edit(old: dict[str, Any], new: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(new) - set(old))
    missing = sorted(set(old) - set(new))
    if unknown or missing:
        raise InputError(
            "the edit must keep the same fields"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "") + (f"; missing: {', '.join(missing)}" if missing else ""),
            where=where, fix=f"use exactly these fields: {', '.join(old)}")
    out: dict[str, Any] = {}
    for name, value in old.items():
        given = new[name]
        if isinstance(value, list):
            if not isinstance(given, list) or not all(isinstance(x, (str, int, float)) for x in given):
                raise InputError(f"'{name}' must be a list of texts", where=f"{where}: {name}",
                                 fix="write one '- text' line per item under the field name")
            out[name] = [str(x).strip() for x in given if str(x).strip()]
        else:
            if isinstance(given, (dict, list)) or given is None:
                raise InputError(f"'{name}' must be a text", where=f"{where}: {name}", fix=f"write `{name}: your text`")
            out[name] = str(given).strip()
    if out == old:
        raise InputError("nothing changed", where=where, fix="change the text, or leave the item as it is")
    return out
