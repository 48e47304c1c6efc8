"""Retrieval benchmark (not a test): ingest ~10,000 guideline chunks, then time queries.

    .venv/bin/python evals/bench_retrieval.py [--chunks 10000] [--embedder hash] [--queries 300]

Builds a synthetic guideline folder from the sample brand's chunks (each section varied so every
chunk is distinct), ingests it through ``build_services`` into a throw-away store, re-ingests it
unchanged, and times hybrid, vector and keyword queries taken from evals/retrieval/queries.yaml.
Reports ingest rate (chunks/s) and query latency p50/p95 in milliseconds. Target with the offline
``hash`` embedder: query p50 <= 20 ms at 10,000 chunks.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.retrieval.chunking import Chunker  # noqa: E402
from assistant.retrieval.evaluate import load_spec  # noqa: E402
from assistant.retrieval.loaders import load_text  # noqa: E402
from assistant.retrieval.ingest import discover  # noqa: E402
from assistant.services import build_services  # noqa: E402
from assistant.settings import REPO_ROOT, load_settings  # noqa: E402

SECTIONS_PER_FILE = 20
WORDS = ("bamboo board pan lid lamp bottle warranty returns claim test label caption hashtag "
         "subject footer market price discount review creator safety care oil steel copper "
         "砧板 煎锅 保鲜盖 台灯 保温杯 保修 退货 宣称 检测 标题 话题 邮件 价格 评价 达人 安全").split()


def synthetic_corpus(folder: Path, chunks: int, seed: int = 7) -> int:
    """Markdown files whose sections are the sample chunks, each varied; returns sections written."""
    rng = random.Random(seed)
    chunker = Chunker()
    samples = []
    for file in discover(REPO_ROOT / "knowledge" / "bambuu" / "guidelines"):
        lang = "zh" if "zh" in file.parts else "en"
        samples += [(lang, c.section.split(" > ")[-1], c.text) for c in chunker.split(load_text(file))]
    written = 0
    for n in range(0, chunks, SECTIONS_PER_FILE):
        lang = "zh" if (n // SECTIONS_PER_FILE) % 3 == 0 else "en"
        pool = [s for s in samples if s[0] == lang]
        parts = [f"# Guide {n // SECTIONS_PER_FILE}\n"]
        for i in range(min(SECTIONS_PER_FILE, chunks - n)):
            _, heading, text = rng.choice(pool)
            extra = " ".join(rng.choice(WORDS) for _ in range(12))
            parts.append(f"## {heading} {n + i}\n{text[:600]}\nNote {n + i}: {extra}\n")
            written += 1
        path = folder / lang / f"guide-{n // SECTIONS_PER_FILE:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(parts), encoding="utf-8")
    return written


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=10_000)
    ap.add_argument("--embedder", default="hash")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--chroma-url", default=None, help="benchmark against a Chroma server instead")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        folder = Path(tmp) / "guidelines"
        sections = synthetic_corpus(folder, args.chunks)
        settings = load_settings(home=Path(tmp) / "home", embedder=args.embedder, chroma_url=args.chroma_url,
                                 chroma_collection="bench_retrieval")
        kb = build_services(settings).knowledge

        start = time.perf_counter()
        report = kb.ingest("bench", folder)
        ingest_s = time.perf_counter() - start
        stored = sum(s.chunks for s in kb.sources("bench"))
        start = time.perf_counter()
        again = kb.ingest("bench", folder)
        reingest_s = time.perf_counter() - start

        spec = load_spec()
        queries = [spec.queries[i % len(spec.queries)] for i in range(args.queries)]
        start = time.perf_counter()
        kb.search("bench", "warm up", k=5)  # builds the brand's BM25 index once
        index_s = time.perf_counter() - start
        latency: dict[str, list[float]] = {}
        for mode in ("hybrid", "vector", "keyword"):
            times = latency.setdefault(mode, [])
            for q in queries:
                t0 = time.perf_counter()
                kb.search("bench", q.query, lang=q.filter, k=5, mode=mode)
                times.append((time.perf_counter() - t0) * 1000)

    result = {
        "embedder": kb.describe()["embedder"], "store": "server" if args.chroma_url else "embedded",
        "files": len(report.files), "sections": sections, "chunks": stored,
        "ingest_s": round(ingest_s, 2), "ingest_chunks_per_s": round(report.embedded / ingest_s, 1),
        "reingest_unchanged_s": round(reingest_s, 2), "reingest_embedded": again.embedded,
        "bm25_index_build_s": round(index_s, 2), "queries": len(queries),
        **{f"{mode}_ms": {"p50": round(statistics.median(t), 2), "p95": round(percentile(t, 95), 2)}
           for mode, t in latency.items()},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
