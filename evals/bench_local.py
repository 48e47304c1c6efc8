"""Benchmark the embedded model (llama.cpp + Gemma 3 270M): schema-constrained generation speed with
llama-cpp-python's own grammar sampling against grammar-first sampling, per thread count, and
prompt processing speed.

    python evals/bench_local.py [--threads 1,2] [--runs 2]

Stop other CPU-heavy work first: the numbers are wall-clock tokens per second.
"""

from __future__ import annotations

import argparse
import os
import time

from assistant.generation.schemas import ProductListing
from assistant.llm.local import assemble_gguf, grammar_safe, load_llama
from assistant.settings import load_settings

PROMPTS = [
    "Write an Amazon listing in English for a bamboo fibre lunch box, 1.2 L, 3 compartments, "
    "microwave safe, BPA free. Brand Bambuu.",
    "Schreibe ein Amazon-Listing auf Deutsch für eine Bambus-Brotdose, 1,2 l, 3 Fächer. Marke Bambuu.",
]


def generation(llama, grammar_first: bool, runs: int) -> tuple[float, int]:
    llama.grammar_first = grammar_first
    schema = grammar_safe(ProductListing.model_json_schema())
    tokens, seconds = 0, 0.0
    for i in range(runs):
        messages = [{"role": "system", "content": "You write e-commerce product listings as JSON."},
                    {"role": "user", "content": PROMPTS[i % len(PROMPTS)]}]
        start = time.perf_counter()
        out = llama.create_chat_completion(messages=messages, temperature=0.4, repeat_penalty=1.15, seed=42,
                                           max_tokens=400, response_format={"type": "json_object", "schema": schema})
        seconds += time.perf_counter() - start
        tokens += out["usage"]["completion_tokens"]
    llama.grammar_first = True
    return tokens / seconds, tokens


def prompt_speed(llama, n: int = 1500) -> float:
    text = " ".join(PROMPTS) * 40
    tokens = (llama.tokenize(text.encode()) * 4)[:n]
    llama.reset()
    start = time.perf_counter()
    llama.eval(tokens)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default=f"1,{os.cpu_count()}", help="comma-separated thread counts")
    parser.add_argument("--runs", type=int, default=2, help="generations per configuration")
    args = parser.parse_args()
    settings = load_settings(provider="local")
    path = settings.local_model_path or assemble_gguf(settings.home / "models")
    print("threads | sampling        | generated tok/s | tokens | prompt tok/s")
    for threads in sorted({int(t) for t in args.threads.split(",")}):
        llama = load_llama(path, settings.local_n_ctx, threads)
        prompt = prompt_speed(llama)
        for grammar_first in (False, True):
            rate, tokens = generation(llama, grammar_first, args.runs)
            name = "grammar-first" if grammar_first else "full vocabulary"
            print(f"{threads:7} | {name:15} | {rate:15.1f} | {tokens:6} | {prompt:12.0f}")


if __name__ == "__main__":
    main()
