"""Data files shipped inside the package (limits, markets, languages, prices, segments, rule packs ...).

YAML is parsed with libyaml when it is installed, else with PyYAML's safe loader. Even libyaml builds
the Python objects in Python, which is most of a short command's start-up, so the parsed data of a
file is kept as JSON under the user's cache folder, keyed by a hash of the file's text: an edited file
has a new key, and a stale entry can never be read. Data JSON cannot represent exactly (dates,
non-string keys) is simply not cached."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CACHE_FORMAT = "1"  # bump when what is cached changes


def cache_dir() -> Path:
    """This user's cache folder for derived data (``$XDG_CACHE_HOME/brand-content-assistant``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "brand-content-assistant"


def load_yaml(text: str) -> Any:
    """The parsed YAML ``text``, from the cache when this exact text was parsed before. Raises
    ``yaml.YAMLError`` like ``yaml.load`` on a syntax error."""
    key = hashlib.blake2b(f"{_CACHE_FORMAT}\0{text}".encode(), digest_size=16).hexdigest()
    path = cache_dir() / "yaml" / f"{key}.json"
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        pass
    data = yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 (a safe loader)
    _store(path, data)
    return data


def _store(path: Path, data: Any) -> None:
    """Write ``data`` as JSON when JSON gives it back unchanged; a cache that cannot be written
    (read-only home, full disk) only costs speed."""
    try:
        dumped = json.dumps(data, ensure_ascii=False, allow_nan=False)
        if json.loads(dumped) != data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(dumped)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        return


def packaged_yaml(package: str, name: str) -> Any:
    """The parsed YAML file ``name`` of ``package`` (e.g. ``"assistant.locales", "markets.yaml"``)."""
    return load_yaml(resources.files(package).joinpath(name).read_text("utf-8"))


def prompts_dir() -> Path:
    """The prompt files shipped as package data (``prompts/`` in a source checkout)."""
    return Path(str(resources.files("assistant") / "_data" / "prompts"))
