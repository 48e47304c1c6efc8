"""The HTML review report: each draft, its findings highlighted in the text, token and time figures."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from assistant.channels.fields import walk_fields
from assistant.compliance.models import Finding
from assistant.export.files import write_atomic
from assistant.generation.models import Draft


def highlight(text: str, findings: list[Finding]) -> Markup:
    """Wrap each finding's span in <mark>; overlapping spans keep the earlier one."""
    spans = sorted((f for f in findings if f.end > f.start), key=lambda f: (f.start, -f.end))
    out, pos = [], 0
    for f in spans:
        if f.start < pos or f.end > len(text):
            continue
        out.append(escape(text[pos:f.start]))
        title = f"{f.severity}: {f.message}" + (f" | Fix: {f.suggestion}" if f.suggestion else "")
        out.append(Markup('<mark class="{}" title="{}">{}</mark>').format(f.severity, title, text[f.start:f.end]))
        pos = f.end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _first_round(draft: Draft, by_id: dict[int, Draft]) -> Draft | None:
    """The round-0 draft a revision started from, when it is among the drafts given."""
    first = None
    while draft.revision_of is not None and draft.revision_of in by_id:
        draft = first = by_id[draft.revision_of]
    return first


def _field_views(draft: Draft, before: Draft | None = None) -> list[dict]:
    views = []
    for name, value in draft.fields.items():
        rendered = [highlight(field.text, [f for f in draft.report.findings if f.field == field.label])
                    for field in walk_fields({name: value})]
        old = before.fields.get(name) if before is not None else None
        views.append({"name": name, "values": rendered, "is_list": isinstance(value, list),
                      "before": old if old is not None and old != value else None})
    return views


def write_report(drafts: list[Draft], path: Path, title: str = "Review report", earlier: list[Draft] | None = None) -> Path:
    """``earlier``: previous rounds of revised drafts (drafts in ``drafts`` count too), shown as "before"."""
    by_id = {d.id: d for d in [*drafts, *(earlier or [])] if d.id is not None}
    # Explicitly on: select_autoescape() does not match "report.html.j2", and every value here (product
    # data, model output, findings) is untrusted text.
    env = Environment(loader=PackageLoader("assistant.export", "templates"), autoescape=True)
    template = env.get_template("report.html.j2")
    totals = {
        "drafts": len(drafts),
        "failed": sum(d.status == "failed" for d in drafts),
        "errors": sum(d.report.counts()["error"] for d in drafts),
        "warnings": sum(d.report.counts()["warning"] for d in drafts),
        "prompt_tokens": sum(d.usage.prompt_tokens for d in drafts),
        "completion_tokens": sum(d.usage.completion_tokens for d in drafts),
        "seconds": round(sum(d.usage.latency_ms for d in drafts) / 1000, 1),
    }
    html = template.render(
        title=title, drafts=[{"d": d, "first": _first_round(d, by_id), "fields": _field_views(d, _first_round(d, by_id))} for d in drafts], totals=totals,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
    return write_atomic(Path(path), html)
