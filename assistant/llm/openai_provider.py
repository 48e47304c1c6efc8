"""OpenAI or any OpenAI-compatible server (vLLM, Ollama, llama.cpp server, Azure, DeepSeek, Qwen)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable
from pydantic import BaseModel

from assistant.errors import MissingDependencyError

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


def build_chat_openai(settings, **client: Any) -> Any:
    """``client``: extra ChatOpenAI arguments, e.g. the batch runner's ``http_client``."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise MissingDependencyError("langchain-openai", "openai", "the openai provider") from exc

    class StructuredChatOpenAI(ChatOpenAI):
        """ChatOpenAI whose structured output uses the method chosen in settings."""

        def with_structured_output(self, schema: type[BaseModel], **kwargs: Any) -> Runnable:  # type: ignore[override]
            kwargs.setdefault("method", settings.openai_structured_method)
            return super().with_structured_output(schema, **kwargs)

    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return StructuredChatOpenAI(
        model=settings.model or DEFAULT_OPENAI_MODEL,
        base_url=settings.openai_base_url,
        # A local OpenAI-compatible server often needs no key; the client insists on one.
        api_key=api_key or "not-needed",
        timeout=settings.timeout_s,
        max_retries=settings.max_retries,
        temperature=settings.temperature,
        max_tokens=settings.max_output_tokens,
        seed=settings.seed,
        **client,
    )
