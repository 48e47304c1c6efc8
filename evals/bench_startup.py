"""Start-up time of the CLI: `assistant --help` and `assistant review --text ...` (median of N runs).

    python evals/bench_startup.py [--runs 7]

Each run is a fresh interpreter (`python -m assistant.cli`-equivalent through the installed
`assistant` console script when it exists, else `python -c`), so imports are what is measured.
A benchmark, not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "assistant --help": ["--help"],
    "assistant review --text ...": ["review", "--text", "Title: Bamboo lunch box, keeps food fresh", "--lang", "en",
                                    "--market", "US"],
}


def _argv(args: list[str]) -> list[str]:
    script = shutil.which("assistant", path=os.path.dirname(sys.executable))
    if script:
        return [script, *args]
    return [sys.executable, "-c", "from assistant.cli import main; main()", *args]


def measure(args: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(_argv(args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "ASSISTANT_HOME": home}
        measure(["--help"], 1, env)  # warm the file cache and create nothing else
        print(f"{'command':34} {'median':>8} {'min':>8}  ({args.runs} runs, fresh interpreter each)")
        for label, argv in COMMANDS.items():
            times = measure(argv, args.runs, env)
            print(f"{label:34} {statistics.median(times):7.3f}s {min(times):7.3f}s")


if __name__ == "__main__":
    main()
