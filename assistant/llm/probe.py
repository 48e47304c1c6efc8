"""``openai_structured_method = auto``: find, once per base URL and model, the first structured
output method the server accepts and follows, and remember it in the data directory.

The probe asks for a two-field object with each method in turn (``METHODS`` order); a method the
server refuses (HTTP 400/422/5xx) or whose reply does not fit is skipped. The result, with why the
others were skipped, is cached in ``<home>/cache/structured-output.json``; delete the file (or the
entry) to probe again, e.g. after upgrading the server.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from assistant.errors import ProviderError

PROBE_MAX_TOKENS = 64
PROBE_MESSAGES = [
    SystemMessage(content="You answer with JSON only."),
    HumanMessage(content="A red apple and three pears: give the apple's colour and the number of pears."),
]
_LOCK = threading.Lock()


class ProbeReply(BaseModel):
    colour: str = Field(min_length=1, description="a colour")
    count: int = Field(description="how many")


class MethodCache:
    """``{"<base url>|<model>": {"method": ..., "probed_at": ..., "skipped": {method: why}}}``"""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # absent or damaged: probe again
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> str | None:
        entry = self.read().get(key)
        return entry.get("method") if isinstance(entry, dict) else None

    def put(self, key: str, method: str, skipped: dict[str, str]) -> None:
        data = self.read()
        data[key] = {"method": method, "probed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "skipped": skipped}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)


def cache_key(chat: Any) -> str:
    from assistant.llm.openai_provider import DEFAULT_BASE_URL

    return f"{(chat.openai_api_base or DEFAULT_BASE_URL).rstrip('/')}|{chat.model_name}"


def choose_method(chat: Any, cache: MethodCache | None) -> str:
    """The cached method for the chat model's server and model, else the first one the probe accepts."""
    key = cache_key(chat)
    with _LOCK:
        cached = cache.get(key) if cache else None
        if cached:
            return cached
        method, skipped = probe(chat)
        if cache:
            try:
                cache.put(key, method, skipped)
            except OSError:  # a read-only data directory: probe again next time
                pass
        return method


def probe(chat: Any) -> tuple[str, dict[str, str]]:
    import openai

    from assistant.llm.openai_provider import METHODS, SETTING

    small = chat.model_copy(update={"max_tokens": PROBE_MAX_TOKENS})
    skipped: dict[str, str] = {}
    for method in METHODS:
        try:
            out = small.with_structured_output(ProbeReply, method=method, include_raw=True).invoke(PROBE_MESSAGES)
        except ProviderError as exc:  # the server refused this method
            skipped[method] = exc.what
            continue
        except openai.APIError as exc:
            raise ProviderError(
                f"could not probe {cache_key(chat)} for structured output: {type(exc).__name__}: {exc}",
                fix="check that the server is reachable and the model name and key are right "
                    "(`assistant config show`)",
            ) from exc
        if out.get("parsed") is not None:
            return method, skipped
        raw = getattr(out.get("raw"), "content", "")
        skipped[method] = f"the reply did not fit the schema: {str(raw)[:120]!r}"
    raise ProviderError(
        f"the server {cache_key(chat)} followed none of the structured output methods: "
        + "; ".join(f"{m}: {why}" for m, why in skipped.items()),
        fix=f"use a model that can follow JSON instructions, or set {SETTING} to one of: {', '.join(METHODS)}",
    )
