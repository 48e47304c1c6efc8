"""Checker benchmark (not a test): rule loading time and listing-sized documents per second on one core.

    .venv/bin/python evals/bench_checker.py [--docs 3000]

Documents are listings (title, 5 bullets, description, meta fields, keywords; ~1,100 characters)
built from the dev-set sentences in six languages, so every rule pack and the term automata are
exercised (claim-dense: most rules' anchors occur); ``--clean`` uses claim-free listings. Throughput is CPU time of this single-threaded process (one core), so other work on the
machine does not count against it; wall-clock rate and load average are printed too.
Target: rule loading < 1 s, >= 2,000 documents per second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

CASES = Path(__file__).resolve().parent / "checker" / "dev.jsonl"
FILLER = {
    "en": "Reversible bamboo board with a deep juice groove that keeps the counter dry while you carve.",
    "zh": "双面可用的竹砧板，深导流槽让台面保持干爽，切肉切菜都很方便。",
    "de": "Wendbares Bambusbrett mit tiefer Saftrille, die die Arbeitsfläche beim Schneiden trocken hält.",
    "fr": "Planche réversible en bambou avec une rigole profonde qui garde le plan de travail au sec.",
    "es": "Tabla reversible de bambú con una ranura profunda que mantiene la encimera seca al cortar.",
    "ja": "両面使える竹のまな板。深い溝が果汁を受け止め、調理台を清潔に保ちます。",
}


def listings(n: int, seed: int = 7, clean: bool = False) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {}
    for line in CASES.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["channel"] == "listing" and "\n" not in case["text"]:
            by_lang.setdefault(case["lang"][:2], []).append(case["text"].split(": ", 1)[-1])
    docs = []
    for i in range(n):
        lang = list(FILLER)[i % len(FILLER)]
        pool = [FILLER[lang]] if clean else by_lang[lang]
        bullets = [f"{rng.choice(pool)} {FILLER[lang]}" for _ in range(5)]
        docs.append((lang, {
            "title": f"Bambuu {rng.choice(pool)}"[:150],
            "bullets": bullets,
            "description": " ".join([FILLER[lang], rng.choice(pool), FILLER[lang], rng.choice(pool), FILLER[lang]]),
            "meta_title": FILLER[lang][:55],
            "meta_description": FILLER[lang][:150],
            "search_keywords": ["bamboo cutting board", "chopping board", "juice groove"],
        }))
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--clean", action="store_true", help="listings without claims (the usual case)")
    args = parser.parse_args()

    started = time.perf_counter()
    from assistant.compliance.loader import shipped_rules

    rules = shipped_rules()
    load_s = time.perf_counter() - started

    from assistant.compliance.checker import Checker

    checker = Checker(rules=rules)
    docs = listings(args.docs, clean=args.clean)
    market = {"en": "US", "zh": "CN", "de": "DE", "fr": "FR", "es": "ES", "ja": "JP"}
    for lang, fields in docs[:300]:  # warm-up: plans, automata and regexes compile on first use
        checker.check_fields(fields, lang=lang, market=market[lang])
    chars = sum(len(json.dumps(f, ensure_ascii=False)) for _, f in docs) / len(docs)
    started, cpu_started = time.perf_counter(), time.process_time()
    findings = 0
    for lang, fields in docs:
        findings += len(checker.check_fields(fields, lang=lang, market=market[lang]).findings)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # one thread: CPU time on one core, whatever else runs
    rate = len(docs) / cpu
    print(f"rules loaded: {len(rules)} in {load_s:.3f} s (target < 1 s)")
    print(f"documents: {len(docs)} listings, ~{chars:.0f} characters each, {findings} findings")
    print(f"throughput: {rate:,.0f} documents/s on one core ({cpu * 1000 / len(docs):.3f} ms CPU each; "
          f"target >= 2,000/s); wall clock {len(docs) / elapsed:,.0f}/s (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
