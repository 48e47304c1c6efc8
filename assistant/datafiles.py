"""Data files shipped inside the package (limits, markets, languages, prices, segments ...): read with
libyaml when it is installed (several times faster than the pure-Python parser, which matters for
start-up), else with PyYAML's safe loader."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def packaged_yaml(package: str, name: str) -> Any:
    """The parsed YAML file ``name`` of ``package`` (e.g. ``"assistant.locales", "markets.yaml"``)."""
    return yaml.load(resources.files(package).joinpath(name).read_text("utf-8"), Loader=FAST_LOADER)  # noqa: S506


def prompts_dir() -> Path:
    """The prompt files shipped as package data (``prompts/`` in a source checkout)."""
    return Path(str(resources.files("assistant") / "_data" / "prompts"))
