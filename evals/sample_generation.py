"""Stratified sample of the generation eval: every kind x language for the first N eval products, with
what the full eval does not show about the offline model's copy: language match counting drafts the
language-ID cannot classify as misses, fields with no words, prompt text echoed into the copy,
drafts with a field repeating another (``repeat``, by this checkout's ``quality.repeated_copy``),
unsupported-claim findings, facts copied from the few-shot examples, and (``other-lang``) the share of
prose fields the checker's per-field language check flags as another language (an English title in a
German draft), counted with this checkout's checker over every log.

Usage (the demo's revise rounds: ASSISTANT_REVISE_ROUNDS=1)::

    ASSISTANT_PROVIDER=local ASSISTANT_REVISE_ROUNDS=1 nice python evals/sample_generation.py \
        --log evals/generation/runs/sample-after.jsonl --products 3
    python evals/sample_generation.py --log evals/generation/runs/sample-before.jsonl \
        --log evals/generation/runs/sample-after.jsonl --report-only

It resumes: cases already in ``--log`` are skipped. Only the generator's public API is used, so the
same script measures an older checkout (``PYTHONPATH=<checkout>``) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_LANGS = ["en", "de", "zh-Hans", "ja"]
# Text from the prompts themselves: the chat prompts' section headings, chat markup, the fact lines'
# labels and the few-shot prompts' labels (read from prompts/fewshot/labels.yaml when present).
ECHO_MARKERS = ["PRODUCT FACTS", "BRAND GUIDELINES", "MARKET CONVENTIONS", "LENGTH LIMITS", "BRIEF\n",
                "REVIEWER FINDINGS", "Reply with one JSON", "JSON object", "[INST]", "[/INST]", "<<SYS>>",
                "<start_of_turn>", "<end_of_turn>", "Product name:", "Category:", "Features:"]
NOT_PROSE = {"call_to_action", "needs_follow_up", "url_handle"}


def echo_markers(repo: Path) -> list[str]:
    markers = list(ECHO_MARKERS)
    labels = repo / "prompts" / "fewshot" / "labels.yaml"
    if labels.exists():
        for entry in yaml.safe_load(labels.read_text("utf-8")).values():
            markers += [f"{entry[k]}:" for k in ("product", "context", "output", "avoid") if entry.get(k)]
    return markers


def leak_terms(repo: Path) -> dict[str, list[str]]:
    """Facts of the few-shot example products (in every language) that no eval product has."""
    path = repo / "prompts" / "fewshot" / "products.yaml"
    if not path.exists():
        return {}
    return {key: p.get("leak_terms", []) for key, p in yaml.safe_load(path.read_text("utf-8")).items()}


def field_texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def inspect(record: dict, markers: list[str], leaks: dict[str, list[str]]) -> dict:
    """What the report counts in one logged draft's final fields."""
    fields = record["fields"]
    kind_fields = list(fields)
    prose = {k: v for k, v in fields.items() if k not in NOT_PROSE and field_texts(v)}
    wordless = [k for k, v in prose.items() if not any(any(ch.isalpha() for ch in t) for t in field_texts(v))]
    joined = "\n".join(t for v in prose.values() for t in field_texts(v))
    names = [n for n in kind_fields if "_" in n or len(n) > 3]
    echoed = [m for m in markers if m in joined]
    echoed += [n for n in names if re.search(rf'(^|[\s"{{]){re.escape(n)}("?\s*:)', joined)]
    leaked = sorted({t for terms in leaks.values() for t in terms if t.lower() in joined.lower()})
    return {"prose_fields": len(prose), "wordless_fields": wordless, "echoed": echoed, "leaked": leaked}


def generate(args) -> None:
    from assistant.catalog import load_products
    from assistant.cli.common import services as build
    from assistant.generation.evaluate import EVAL_DIR, contexts, score_case
    from assistant.generation.kinds import KINDS, get_kind
    from assistant.locales import default_market, resolve_language

    markers, leaks = echo_markers(HERE.parent), leak_terms(HERE.parent)
    if args.json_output:  # the other output strategy, for the comparison the README reports
        from assistant.generation import completion
        completion.FIELDWISE = False
    svc = build()
    brand, gen = svc.brand(), svc.generator
    kinds = args.kinds.split(",") if args.kinds else list(KINDS)
    langs = [resolve_language(code).code for code in args.langs.split(",")]
    products = load_products(EVAL_DIR / "products.jsonl")[: args.products]
    done = {(r["sku"], r["kind"], r["lang"]) for r in read(args.log[0])}
    print(f"provider {svc.llm.provider}/{svc.llm.model_name}, revise_rounds={svc.settings.revise_rounds}", flush=True)
    # language-major (default) or kind-major: a run stopped early then still covers every language
    order = [(lang, kind) for lang in langs for kind in kinds] if args.order == "lang" else \
        [(lang, kind) for kind in kinds for lang in langs]
    for lang, kind in order:
        for product in products:  # innermost: consecutive prompts share the examples (prompt cache)
            if (product.sku, kind, lang) in done:
                continue
            started = time.perf_counter()
            context = contexts(product.name).get(get_kind(kind).context or "")
            draft = gen.generate(kind, product, brand, lang=lang, market=default_market(lang), context=context)
            wall = time.perf_counter() - started
            history = gen.history(draft)
            case = asdict(score_case(history))
            final = next((d for d in reversed(history) if d.status == "ok"), history[-1])
            record = {**case, "wall_s": round(wall, 2), "status": final.status,
                      "unsupported": [f.matched or f.rule_id for f in final.report.findings
                                      if f.category == "unsupported_claim"],
                      "fields": final.fields or {}}
            with args.log[0].open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            seen = inspect(record, markers, leaks)
            print(f"{product.sku} {kind} {lang}: lang={record['language_match']} "
                  f"wordless={seen['wordless_fields']} echo={seen['echoed']} leak={seen['leaked']} "
                  f"{wall:.1f}s {json.dumps(record['fields'], ensure_ascii=False)[:160]}", flush=True)


def foreign_fields_counter():
    """``record -> (its prose texts in another language than the draft's, its prose texts)`` (a list item
    is one text), by this checkout's per-field check (``quality.field_language``); ``None`` where the
    checkout has none."""
    try:
        from assistant.brand.kit import load_brand_kit
        from assistant.compliance.document import from_fields
        from assistant.compliance.field_language import check_field_languages, kept_names
        from assistant.compliance.grounding import facts_text
        from assistant.locales import resolve_language
    except ImportError:
        return None
    brand = load_brand_kit(HERE.parent / "knowledge" / "bambuu" / "brand.yaml")
    products = {p["sku"]: p for p in read(HERE / "generation" / "products.jsonl")}

    def count(record: dict) -> tuple[int, int]:
        product, lang = products[record["sku"]], resolve_language(record["lang"])
        support = [product["name"], product.get("description") or "", *product.get("features", [])]
        doc = from_fields({k: v for k, v in record["fields"].items() if k not in NOT_PROSE})
        return len(check_field_languages(doc, lang, names=kept_names(brand, lang.code),
                                         source=facts_text(product.get("facts"), support))), len(doc.segments)

    return count


def repeats_in(record: dict) -> int | None:
    """How many texts of the draft repeat an earlier one (``quality.repeated_copy`` of this checkout);
    ``None`` where the checkout has no such check."""
    try:
        from assistant.compliance.repeats import check_repeats
    except ImportError:
        return None
    parts = []
    for k, v in record.get("fields", {}).items():  # list items labelled as the checker labels them
        texts = field_texts(v)
        parts += [(t, 0, k, f"{k}[{i}]" if isinstance(v, list) else k) for i, t in enumerate(texts)]
    return len(check_repeats(parts))


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def summary(rows: list[dict], markers: list[str], leaks: dict[str, list[str]], foreign=None) -> dict:
    n = len(rows)
    rows = [{**r, **inspect(r, markers, leaks)} for r in rows]
    fields = sum(r["prose_fields"] for r in rows) or 1
    return {
        "foreign_fields": _share([foreign(r) for r in rows if r.get("fields")]) if foreign else float("nan"),
        "drafts": n,
        "repeating": sum(bool(repeats_in(r)) for r in rows),
        "lang_match": sum(r["language_match"] is True for r in rows) / n,
        "unclassified": sum(r["language_match"] is None for r in rows),
        "wordless_fields": sum(len(r["wordless_fields"]) for r in rows) / fields,
        "echo": sum(bool(r["echoed"]) for r in rows) / n,
        "unsupported": sum(len(r["unsupported"]) for r in rows),
        "leaks": sum(bool(r["leaked"]) for r in rows),
        "failed": sum(r["status"] != "ok" for r in rows),
        "s_per_draft": sum(r["latency_ms"] for r in rows) / 1000 / n,
        "wall_s_per_draft": sum(r["wall_s"] for r in rows) / n,
    }


def _share(counts: list[tuple[int, int]]) -> float:
    return sum(c for c, _ in counts) / (sum(t for _, t in counts) or 1)


def report(paths: list[Path], only_common: bool) -> None:
    runs = {path.stem: read(path) for path in paths}
    markers, leaks = echo_markers(HERE.parent), leak_terms(HERE.parent)
    foreign = foreign_fields_counter()
    if only_common and len(runs) > 1:
        keys = set.intersection(*({(r["sku"], r["kind"], r["lang"]) for r in rows} for rows in runs.values()))
        runs = {name: [r for r in rows if (r["sku"], r["kind"], r["lang"]) in keys] for name, rows in runs.items()}
    head = (f"{'run':<28} {'group':<8} {'drafts':>6} {'lang ok':>8} {'unclass':>7} {'no-word':>8} "
            f"{'echo':>6} {'repeat':>6} {'unsupp':>6} {'leaks':>5} {'failed':>6} {'s/draft':>8} {'wall s':>7} {'other-lang':>10}")
    print(head)
    print("-" * len(head))
    for name, rows in runs.items():
        groups: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            groups[r["lang"]].append(r)
        for group, members in [("all", rows), *sorted(groups.items())]:
            if not members:
                continue
            s = summary(members, markers, leaks, foreign)
            print(f"{name:<28} {group:<8} {s['drafts']:>6} {s['lang_match']:>8.1%} {s['unclassified']:>7} "
                  f"{s['wordless_fields']:>8.1%} {s['echo']:>6.1%} {s['repeating']:>6} {s['unsupported']:>6} {s['leaks']:>5} "
                  f"{s['failed']:>6} {s['s_per_draft']:>8.2f} {s['wall_s_per_draft']:>7.2f} {s['foreign_fields']:>10.1%}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", type=Path, action="append", required=True,
                        help="JSONL log (generation appends to the first; the report reads every one)")
    parser.add_argument("--products", type=int, default=3, help="the first N eval products")
    parser.add_argument("--kinds", default=None, help="comma-separated kinds (default: all 13)")
    parser.add_argument("--langs", default=",".join(DEFAULT_LANGS))
    parser.add_argument("--report-only", action="store_true", help="generate nothing; print the table")
    parser.add_argument("--common", action="store_true", help="only the cases every log holds")
    parser.add_argument("--order", choices=["lang", "kind"], default="lang", help="outer loop of the generation")
    parser.add_argument("--json-output", action="store_true",
                        help="local model: one JSON object after JSON examples instead of field by field")
    args = parser.parse_args(argv)
    if not args.report_only:
        args.log[0].parent.mkdir(parents=True, exist_ok=True)
        generate(args)
    report(args.log, args.common)


if __name__ == "__main__":
    sys.exit(main())
