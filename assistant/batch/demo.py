"""The main job on embedded defaults: listings for the sample brand in en, de and zh, each
checked, stored (as content items in the review workflow, state ``draft``), exported (CSV, JSONL)
and written to an HTML review report. Nobody has approved demo copy, so its exports are written
with ``include_unapproved`` and marked: ``UNAPPROVED-drafts.csv``, ``UNAPPROVED-drafts.jsonl``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from assistant.catalog import load_products
from assistant.export import Selection, write_report
from assistant.generation.models import Draft
from assistant.services import Services
from assistant.users import User, local_user

DEFAULT_MARKETS = {"en": "US", "de": "DE", "zh-Hans": "CN", "zh": "CN", "fr": "FR", "ja": "JP",
                   "es": "ES", "it": "IT", "ko": "KR", "pt-BR": "BR", "ar": "SA", "zh-Hant": "TW"}


@dataclass
class DemoResult:
    drafts: list[Draft]
    files: dict[str, Path]


def run_demo(
    services: Services, out_dir: Path, *, langs: list[str], limit: int | None = None,
    revise_rounds: int | None = None, progress: Callable[[Draft], None] | None = None, actor: User | None = None,
) -> DemoResult:
    """``actor``: who generates and exports (``None``: local single-user mode, no users in the store)."""
    brand = services.brand()
    services.knowledge.ingest(brand.id)  # the brand's guideline files; unchanged files cost nothing
    products = load_products(services.brand_folders.path(brand.id) / "products.jsonl")[:limit]
    drafts: list[Draft] = []
    for product in products:
        for lang in langs:
            draft = services.generator.generate(
                "listing", product, brand, lang=lang, market=DEFAULT_MARKETS.get(lang, "US"),
                revise_rounds=revise_rounds, actor=actor,
            )
            drafts.append(draft)
            if progress:
                progress(draft)
    out_dir = Path(out_dir)
    item_ids = [i for i in (services.workflow.item_for_draft(d.id) for d in drafts) if i is not None]
    files = {
        fmt: services.exports.export(fmt, out_dir, actor=actor or local_user(), include_unapproved=True,
                                     selection=Selection(ids=sorted(set(item_ids)))).path
        for fmt in ("csv", "jsonl") if item_ids
    }
    files["report"] = write_report(drafts, out_dir / "report.html", title=f"{brand.name}: demo review report")
    return DemoResult(drafts=drafts, files=files)
