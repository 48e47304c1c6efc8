"""What a test needs from the machine (a PostgreSQL server, llama.cpp, a browser...), checked in one
place. On a developer's machine a missing requirement skips the test and says how to install it; in
CI (``ASSISTANT_CI=1``, set by ``.ci/run``) it fails the test, so CI cannot go green without coverage."""

from __future__ import annotations

import functools
import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

CI_VARIABLE = "ASSISTANT_CI"


def in_ci() -> bool:
    return os.environ.get(CI_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def require(what: str, how_to_install: str) -> None:
    """A requirement is missing: fail in CI, skip elsewhere; both name ``what`` and ``how_to_install``."""
    message = f"{what} is not available: {how_to_install}"
    if in_ci():
        pytest.fail(f"{message} (required in CI: {CI_VARIABLE} is set)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def require_module(name: str, what: str, how_to_install: str) -> ModuleType:
    """Import ``name`` or ``require`` it (``pytest.importorskip`` that fails in CI)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        require(what, how_to_install)
        raise  # unreachable: require() always raises


LLAMA_INSTALL = "install the 'local' extra: pip install -e '.[local]' (make test does)"
LLAMA_REBUILD = ("rebuild it for this CPU without native tuning: CMAKE_ARGS='-DGGML_NATIVE=OFF -DGGML_AVX2=ON "
                 "-DGGML_FMA=ON -DGGML_F16C=ON' pip install --no-cache-dir --force-reinstall llama-cpp-python")
_PROBE = """
import sys
from pathlib import Path
from assistant.llm.local import assemble_gguf, load_llama
llama = load_llama(assemble_gguf(Path(sys.argv[1])), 512, None)
llama.eval(llama.tokenize(b"Hello"))
"""


def require_llama_cpp(models_dir: Path) -> None:
    """llama.cpp importable and able to run the packaged model. The model is first run in a child process:
    a build that crashes on this CPU (e.g. compiled for instructions the machine cannot execute) would
    otherwise kill the whole test run with a segmentation fault."""
    require_module("llama_cpp", "llama.cpp (llama-cpp-python)", LLAMA_INSTALL)
    failure = _llama_probe(str(models_dir))
    if failure:
        require("a llama.cpp build that runs on this machine",
                f"loading the packaged model in a child process failed ({failure}); {LLAMA_REBUILD}")


@functools.cache
def _llama_probe(models_dir: str) -> str | None:
    """Why the packaged model cannot run in a child process, or None when it can (once per session)."""
    Path(models_dir).mkdir(parents=True, exist_ok=True)
    probe = subprocess.run([sys.executable, "-c", _PROBE, models_dir], capture_output=True, text=True,
                           timeout=600, cwd=Path(__file__).resolve().parents[1])
    if probe.returncode == 0:
        return None
    if probe.returncode < 0:
        return f"killed by {signal.Signals(-probe.returncode).name}"
    return f"exit code {probe.returncode}: {probe.stderr.strip()[-400:]}"


CHROMIUM_INSTALL = "install Debian's chromium package: apt-get install chromium (make test does)"


def require_chromium(which=None, fallback: Path = Path("/usr/bin/chromium")) -> str:
    """The path of Debian's chromium, driven through Playwright for Python (never `playwright install`)."""
    import shutil

    path = (which or shutil.which)("chromium") or (str(fallback) if fallback.exists() else None)
    if path is None:
        require("Chromium (for the browser test)", CHROMIUM_INSTALL)
    require_module("playwright.sync_api", "Playwright for Python (drives Chromium)",
                   "pip install -e '.[test]' (make test does)")
    return path
