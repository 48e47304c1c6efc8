"""Checker benchmark (not a test): rule loading time and listing-sized documents per second on one core.

    .venv/bin/python evals/bench_checker.py [--docs 3000]

Documents are listings (title, 5 bullets, description, meta fields, keywords; ~1,100 characters)
built from the dev-set sentences in six languages, so every rule pack and the term automata are
exercised (claim-dense: most rules' anchors occur); ``--clean`` uses claim-free listings.
``--adversarial`` instead reviews 100 KB texts built to make backtracking regexes and per-hit loops
blow up (a claim repeated thousands of times then 20,000 digits, long runs of digits, spaces, ``@``,
dots, letters, newlines), each as pasted copy in several languages and channels; target: every one
under 1 s (CPU time, the slowest context). Throughput is CPU time of this single-threaded process (one core), so other work on the
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


KB100 = 100_000


def _repeat(unit: str, n: int = KB100) -> str:
    return (unit * (n // len(unit) + 1))[:n]


ADVERSARIAL = {  # name -> 100 KB of text
    "guarantee then 20,000 digits": _repeat("money-back guarantee ", KB100 - 20_000) + "1" * 20_000,
    "guarantee repeated": _repeat("money-back guarantee "),
    "digits": "1" * KB100, "spaces": " " * KB100, "at signs": "@" * KB100, "dots": "." * KB100,
    "letters": "a" * KB100, "newlines": "\n" * KB100, "digit space": _repeat("1 "), "digit dash": _repeat("1-"),
    "letter dot": _repeat("a."), "letter at": _repeat("a@"), "percent": _repeat("50% "), "caps dash": _repeat("A-"),
    "e-mails": _repeat("a@b.co "), "phone-like": _repeat("+1 555 "), "labelled lines": _repeat("Bullet: cures cancer 1\n"),
    "free trial": _repeat("free trial "), "best": _repeat("best regards best "), "eco": _repeat("eco-friendly "),
    "award": _repeat("award-winning "), "link in bio": _repeat("link in bio "), "chinese": _repeat("最好的竹砧板仅剩1天"),
    "braces": _repeat("{{"), "street": _repeat("aaaastraße"), "quantity": "1" + " " * (KB100 - 1),
}
CONTEXTS = [("en", "US", "listing"), ("en", "US", "email"), ("en", "US", "influencer_post"), ("de", "DE", "listing"),
            ("fr", "FR", "social_post"), ("es", "ES", "listing"), ("zh-Hans", "CN", "listing"), ("ja", "JP", "listing")]


def adversarial(checker) -> bool:
    """Review every adversarial text in every context; print the slowest per text. True: all < 1 s."""
    for lang, market, channel in CONTEXTS:  # warm-up: rule plans, language identification
        checker.check_text(FILLER["en"] * 3, lang=lang, market=market, channel=channel)
    ok = True
    for name, text in ADVERSARIAL.items():
        worst, where = 0.0, ""
        for lang, market, channel in CONTEXTS:
            started = time.process_time()
            checker.check_text(text, lang=lang, market=market, channel=channel)
            took = time.process_time() - started
            if took > worst:
                worst, where = took, f"{lang}-{market} {channel}"
        ok &= worst < 1
        print(f"{'ok  ' if worst < 1 else 'SLOW'} {worst:6.3f} s  {name} ({len(text):,} characters; slowest: {where})")
    print("every adversarial text reviewed in under 1 s" if ok else "some adversarial texts took 1 s or more")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--clean", action="store_true", help="listings without claims (the usual case)")
    parser.add_argument("--adversarial", action="store_true", help="100 KB hostile texts, each under 1 s")
    parser.add_argument("--no-cap", action="store_true", help="with --adversarial: check whole fields (no size cap)")
    args = parser.parse_args()

    started, cpu_started = time.perf_counter(), time.process_time()
    from assistant.compliance.loader import shipped_rules

    rules = shipped_rules()
    load_s, load_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    from assistant.compliance.checker import Checker

    checker = Checker(rules=rules, **({"max_field_chars": 10**9} if args.no_cap else {}))
    if args.adversarial:
        raise SystemExit(0 if adversarial(checker) else 1)
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
    print(f"rules loaded: {len(rules)} in {load_s:.3f} s wall, {load_cpu:.3f} s CPU (target < 1 s)")
    print(f"documents: {len(docs)} listings, ~{chars:.0f} characters each, {findings} findings")
    print(f"throughput: {rate:,.0f} documents/s on one core ({cpu * 1000 / len(docs):.3f} ms CPU each; "
          f"target >= 2,000/s); wall clock {len(docs) / elapsed:,.0f}/s (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
