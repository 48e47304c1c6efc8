"""The HTML review report: each draft, its findings highlighted in the text, token and time figures."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

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


def _field_views(draft: Draft) -> list[dict]:
    views = []
    for name, value in draft.fields.items():
        items = value if isinstance(value, list) else [value]
        rendered = []
        for i, item in enumerate(items):
            label = f"{name}[{i}]" if isinstance(value, list) else name
            rendered.append(highlight(str(item), [f for f in draft.report.findings if f.field == label]))
        views.append({"name": name, "values": rendered, "is_list": isinstance(value, list)})
    return views


def write_report(drafts: list[Draft], path: Path, title: str = "Review report") -> Path:
    env = Environment(loader=PackageLoader("assistant.export", "templates"), autoescape=select_autoescape())
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
        title=title, drafts=[{"d": d, "fields": _field_views(d)} for d in drafts], totals=totals,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
    return write_atomic(Path(path), html)
