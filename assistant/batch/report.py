"""The job's summary report (HTML, inline SVG bar charts): findings by category and by language,
pass rate by kind, cost, latency. Built from the job's records in the database, streamed."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment

from assistant.batch.store import JobStore

MAX_FAILURES_SHOWN = 50
CHART_WIDTH, LABEL_WIDTH = 560, 160


def summarise(records) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    s = {"items": 0, "done": 0, "failed": 0, "flagged": 0, "tokens": 0, "cost": 0.0}
    by_category: Counter[str] = Counter()
    by_lang: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    latencies: list[int] = []
    failures: list[dict[str, Any]] = []
    for r in records:
        s["items"] += 1
        s[r["status"]] += 1
        s["flagged"] += bool(r.get("flagged"))
        s["tokens"] += r.get("prompt_tokens", 0) + r.get("completion_tokens", 0)
        s["cost"] += r.get("cost_usd", 0.0)
        latencies.append(r.get("latency_ms", 0))
        per_kind[r["kind"]] += 1
        passed[r["kind"]] += r["status"] == "done" and not r.get("flagged")
        for draft in r.get("drafts", []):
            for f in draft.get("findings", []):
                by_category[f["category"]] += 1
                by_lang[r["lang"]] += 1
        if r["status"] == "failed" and len(failures) < MAX_FAILURES_SHOWN:
            failures.append({k: r.get(k) for k in ("item", "sku", "kind", "lang", "error")})
    latencies.sort()
    s["pass_rate"] = sum(passed.values()) / s["items"] if s["items"] else 0.0
    s["p50"] = latencies[len(latencies) // 2] if latencies else 0
    s["p95"] = latencies[int(len(latencies) * 0.95)] if latencies else 0
    charts = [
        _chart("Findings by category", by_category, "#c0392b"),
        _chart("Findings by language", by_lang, "#2c7fb8"),
        _chart("Pass rate by kind (%)", {k: round(100 * passed[k] / n) for k, n in per_kind.items()}, "#27ae60"),
    ]
    return s, charts, failures


def _chart(title: str, values, color: str) -> dict[str, Any]:
    items = sorted(values.items(), key=lambda kv: -kv[1])[:20]
    top = max((v for _, v in items), default=0) or 1
    bars = [{"label": str(k)[:24], "value": v, "y": 4 + 22 * i, "w": int((CHART_WIDTH - LABEL_WIDTH - 60) * v / top),
             "color": color} for i, (k, v) in enumerate(items)]
    return {"title": title, "bars": bars, "left": LABEL_WIDTH, "width": CHART_WIDTH, "height": 8 + 22 * max(1, len(bars))}


def write_job_report(store: JobStore, job_id: int, path: Path) -> Path:
    job = store.job(job_id)
    s, charts, failures = summarise(store.records(job_id))
    env = Environment(autoescape=True)  # model output and catalogue text are escaped
    template = env.from_string(resources.files("assistant.batch").joinpath("report.html.j2").read_text("utf-8"))
    html = template.render(title=f"Batch job {job_id}: summary", job=job, spec=store.spec(job_id), s=s,
                           charts=charts, failures=failures)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
