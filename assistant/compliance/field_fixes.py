"""Proposed fixes for a draft's fields (the web app's "apply fix"): the same mechanical edits as
``assistant review --fix`` (substitutions, trimming to a limit), applied field by field. Findings on
fields carry offsets into that field's text (``title``, ``bullets[2]``)."""

from __future__ import annotations

import copy
import re
from typing import Any

from assistant.compliance.fixes import Edit, apply_edits, edits_for
from assistant.compliance.models import CheckReport
from assistant.workflow.diff import diff_versions

_LABEL = re.compile(r"^(?P<name>[a-z_]+)(?:\[(?P<index>\d+)\])?$")


def _get(fields: dict[str, Any], label: str) -> str | None:
    m = _LABEL.match(label or "")
    if not m or m["name"] not in fields:
        return None
    value = fields[m["name"]]
    if m["index"] is None:
        return value if isinstance(value, str) else None
    index = int(m["index"])
    return str(value[index]) if isinstance(value, list) and index < len(value) else None


def _put(fields: dict[str, Any], label: str, text: str) -> None:
    m = _LABEL.match(label)
    if m["index"] is None:
        fields[m["name"]] = text
    else:
        fields[m["name"]][int(m["index"])] = text


def propose_field_fixes(fields: dict[str, Any], report: CheckReport, *, lang: str, channel: str,
                        platform: str | None) -> tuple[dict[str, Any], list[Edit], str]:
    """The fields with every mechanical fix applied, the edits used, and a unified diff (empty when
    nothing can be fixed mechanically). Nothing is stored: the caller saves it as an edit."""
    fixed = copy.deepcopy(fields)
    applied: list[Edit] = []
    by_label: dict[str, list] = {}
    for f in report.findings:
        if f.field:
            by_label.setdefault(f.field, []).append(f)
    for label, findings in by_label.items():
        text = _get(fields, label)
        if text is None:
            continue
        edits, _ = edits_for(text, CheckReport(findings=findings), lang=lang, channel=channel, platform=platform,
                             brand=None, fix_kinds={})
        new_text, chosen = apply_edits(text, edits)
        if chosen and new_text != text:
            _put(fixed, label, new_text)
            applied += chosen
    diff = diff_versions(fields, fixed, "current", "proposed") if applied else ""
    return fixed, applied, diff


def propose_item_fixes(checker, item, brand) -> tuple[dict[str, Any], list[Edit], str]:
    """Fixes for a content item's current version, checked again with its brand kit (stored findings
    keep no replacement text, and the kit's banned terms carry the replacements)."""
    fields = item.current.fields
    report = checker.check_fields(fields, lang=item.lang, market=item.market, channel=item.kind,
                                  platform=item.platform, brand=brand)
    return propose_field_fixes(fields, report, lang=item.lang, channel=item.kind, platform=item.platform)
