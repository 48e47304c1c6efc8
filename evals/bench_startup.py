"""Start-up time of the CLI: `assistant --help` and `assistant review --text ...` (median of N runs).

    python evals/bench_startup.py [--runs 7]
    PYTHONPATH=/path/to/other/checkout python evals/bench_startup.py   # the same for another version

Each run is a fresh interpreter (the `assistant` console script next to this Python, else
`python -c`), so imports are what is measured. Wall time depends on the machine's load; CPU time
(user + system of the child) much less, so both are printed. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def measure(args: list[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds) per run."""
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(_argv(args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    # byte-compile the package once, as an installed package is (PYTHONDONTWRITEBYTECODE would
    # otherwise make every run compile every module)
    subprocess.run([sys.executable, "-c", "import assistant, compileall, os; "
                    "compileall.compile_dir(os.path.dirname(assistant.__file__), quiet=1)"], check=True)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "ASSISTANT_HOME": home}
        measure(["--help"], 1, env)  # warm the file cache
        measure(COMMANDS["assistant review --text ..."], 1, env)  # and the language model's unpacked cache
        print(f"{'command':30} {'wall median':>12} {'wall min':>9} {'CPU median':>11}   "
              f"({args.runs} runs, fresh interpreter each; load {os.getloadavg()[0]:.1f})")
        for label, argv in COMMANDS.items():
            wall, cpu = measure(argv, args.runs, env)
            print(f"{label:30} {statistics.median(wall):11.3f}s {min(wall):8.3f}s {statistics.median(cpu):10.3f}s")

if __name__ == "__main__":
    main()
