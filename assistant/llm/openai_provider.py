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
            if kwargs["method"] == "json_schema" and isinstance(schema, type) and issubclass(schema, BaseModel):
                return json_schema_output(self, schema, include_raw=kwargs.get("include_raw", False))
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


def json_schema_output(chat: Any, schema: type[BaseModel], *, include_raw: bool) -> Runnable:
    """``response_format`` json_schema, parsed by us: given a pydantic class, the openai client's own
    ``parse()`` raises on a reply that is not the schema's JSON, and the raw text is lost. Sent as a
    plain JSON schema, a bad reply becomes ``parsing_error`` with the raw message kept."""
    from langchain_core.runnables import RunnableLambda

    from assistant.llm.base import _parsed_or_raise, parse_structured

    fmt = {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()}}
    chain = chat.bind(response_format=fmt) | RunnableLambda(lambda msg: parse_structured(msg, schema))
    return chain if include_raw else chain | RunnableLambda(_parsed_or_raise)
