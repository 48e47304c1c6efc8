"""Figures for the dashboard: items by state, findings of current versions by category and by
language, and per day the share of drafts without error findings and their estimated cost."""

from __future__ import annotations

from collections import Counter, defaultdict

from pydantic import BaseModel
from sqlalchemy import Engine, and_, func, select

from assistant.storage.db import read_session
from assistant.storage.drafts import DraftRow
from assistant.storage.tables import FindingRow, ItemRow, VersionRow


class DayFigures(BaseModel):
    day: str
    drafts: int
    pass_rate: float  # share of drafts (stored rounds) with no error finding
    cost_usd: float


class Dashboard(BaseModel):
    by_state: dict[str, int]
    by_category: dict[str, int]
    by_language: dict[str, int]
    days: list[DayFigures]


def dashboard(engine: Engine) -> Dashboard:
    with read_session(engine) as s:
        by_state = dict(s.execute(select(ItemRow.status, func.count()).group_by(ItemRow.status)).all())
        current = and_(VersionRow.item_id == ItemRow.id, VersionRow.number == ItemRow.current_version)
        rows = s.execute(select(FindingRow.category, ItemRow.lang)
                         .join(VersionRow, FindingRow.version_id == VersionRow.id).join(ItemRow, current)).all()
        drafts = s.execute(select(DraftRow.created_at, DraftRow.error_count, DraftRow.cost_usd, DraftRow.status)).all()
    days: dict[str, list] = defaultdict(list)
    for created, errors, cost, status in drafts:
        days[created.strftime("%Y-%m-%d")].append((status == "ok" and errors == 0, cost or 0.0))
    return Dashboard(
        by_state=by_state,
        by_category=dict(Counter(c for c, _ in rows).most_common()),
        by_language=dict(Counter(lang for _, lang in rows).most_common()),
        days=[DayFigures(day=d, drafts=len(v), pass_rate=round(sum(ok for ok, _ in v) / len(v), 3),
                         cost_usd=round(sum(c for _, c in v), 6)) for d, v in sorted(days.items())],
    )
