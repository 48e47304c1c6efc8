"""OpenAI or any OpenAI-compatible server (vLLM, Ollama, llama.cpp server, Azure, DeepSeek, Qwen).

Servers differ in how they accept structured output, so the method is a setting
(``openai_structured_method``), one of ``METHODS``, or ``auto`` (the default): probe the server once
per base URL and model, in the order of ``METHODS``, and cache the first that works
(``assistant.llm.probe``). Methods where the server may not see the schema also name the fields in
the prompt, with an example.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel

from assistant.errors import MissingDependencyError, ProviderError
from assistant.llm.base import parse_structured, parsed_or_raise
from assistant.llm.schema_prompt import schema_instructions

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
METHODS = {
    "json_schema": "response_format json_schema (OpenAI, vLLM, recent Ollama)",
    "json_object_schema": "response_format json_object with the schema (llama.cpp server, some vLLM builds)",
    "function_calling": "a forced tool call whose parameters are the schema",
    "json_mode": "response_format json_object; the fields and an example are in the prompt",
}
PROMPTED = {"json_object_schema", "json_mode"}  # the server may ignore or not see the schema
SETTING = "ASSISTANT_OPENAI_STRUCTURED_METHOD"


def build_chat_openai(settings, **client: Any) -> Any:
    """``client``: extra ChatOpenAI arguments, e.g. the batch runner's ``http_client``."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise MissingDependencyError("langchain-openai", "openai", "the openai provider") from exc

    class StructuredChatOpenAI(ChatOpenAI):
        """ChatOpenAI whose structured output uses the method chosen in settings (or probed)."""

        structured_method: str = "auto"
        method_cache: Any = None  # a probe.MethodCache; None: probe without remembering

        def resolved_method(self) -> str:
            if self.structured_method != "auto":
                return self.structured_method
            from assistant.llm.probe import choose_method

            return choose_method(self, self.method_cache)

        def with_structured_output(self, schema: type[BaseModel], *, include_raw: bool = False,  # type: ignore[override]
                                   method: str | None = None, **kwargs: Any) -> Runnable:
            method = method or self.resolved_method()
            return structured_runnable(self, ChatOpenAI.with_structured_output, schema, method, include_raw, **kwargs)

    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    chat = StructuredChatOpenAI(
        model=settings.model or DEFAULT_OPENAI_MODEL,
        base_url=settings.openai_base_url,
        # A local OpenAI-compatible server often needs no key; the client insists on one.
        api_key=api_key or "not-needed",
        timeout=settings.timeout_s,
        max_retries=settings.max_retries,
        temperature=settings.temperature,
        max_tokens=settings.max_output_tokens,
        seed=settings.seed,
        structured_method=settings.openai_structured_method,
        **client,
    )
    if settings.openai_structured_method == "auto":
        from assistant.llm.probe import MethodCache

        chat.method_cache = MethodCache(settings.home / "cache" / "structured-output.json")
    return chat


def structured_runnable(chat: Any, parent, schema: type[BaseModel], method: str, include_raw: bool,
                        **kwargs: Any) -> Runnable:
    """``prompt -> model -> {"raw", "parsed", "parsing_error"}`` for one method; a server that refuses
    the method is a ``ProviderError`` naming it and the setting to change."""
    if method not in METHODS:
        raise ProviderError(f"unknown structured output method '{method}'",
                            fix=f"set {SETTING} to auto or one of: {', '.join(METHODS)}")
    if method == "json_object_schema":  # servers turn it into a grammar, as llama.cpp does in process
        from assistant.llm.local import grammar_safe

        bound = chat.bind(response_format={"type": "json_object", "schema": grammar_safe(schema.model_json_schema())})
        model: Runnable = bound | RunnableLambda(lambda msg: parse_structured(msg, schema))
    elif method == "json_schema":
        # Sent as a plain JSON schema and parsed by us: given a pydantic class, the openai client's own
        # ``parse()`` raises on a reply that is not the schema's JSON and the raw text is lost; here a
        # bad reply becomes ``parsing_error`` with the raw message kept (a failed draft, not a crash).
        fmt = {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()}}
        model = chat.bind(response_format=fmt) | RunnableLambda(lambda msg: parse_structured(msg, schema))
    else:
        model = parent(chat, schema, method=method, include_raw=True, **kwargs)
    if method in PROMPTED:
        text = schema_instructions(schema, with_example=method == "json_mode")
        model = RunnableLambda(lambda value: with_field_list(chat, value, text)) | model
    model = model | RunnableLambda(lambda out: _note_method(out, method))
    runnable = RunnableLambda(lambda value: _refused_as_error(model, value, chat, method))
    if include_raw:
        return runnable
    return runnable | RunnableLambda(parsed_or_raise)


def with_field_list(chat: Any, value: Any, text: str) -> list[BaseMessage]:
    """The messages with ``text`` (the schema's fields, perhaps an example) appended to the last one."""
    messages = list(chat._convert_input(value).to_messages())
    if messages and isinstance(messages[-1], HumanMessage) and isinstance(messages[-1].content, str):
        if "did not fit the required JSON schema" in messages[-1].content:  # a repair request names them already
            return messages
        messages[-1] = HumanMessage(content=f"{messages[-1].content}\n\n{text}")
    else:
        messages.append(HumanMessage(content=text))
    return messages


def _note_method(out: dict[str, Any], method: str) -> dict[str, Any]:
    error = out.get("parsing_error")
    if error is not None:
        wrapped = ValueError(f"{error} (structured output method '{method}'; if the server does not follow it, "
                             f"set {SETTING}=auto or another of: {', '.join(METHODS)})")
        wrapped.__cause__ = error
        out = {**out, "parsing_error": wrapped}
    return out


def _refused_as_error(model: Runnable, value: Any, chat: Any, method: str) -> dict[str, Any]:
    import openai

    try:
        return model.invoke(value)
    except (openai.BadRequestError, openai.UnprocessableEntityError, openai.InternalServerError) as exc:
        others = ", ".join(m for m in METHODS if m != method)
        raise ProviderError(
            f"the server at {chat.openai_api_base or DEFAULT_BASE_URL} (model '{chat.model_name}') refused "
            f"structured output method '{method}' ({METHODS[method]}): {type(exc).__name__}: {_short(exc)}",
            fix=f"set {SETTING}=auto to probe for a method the server supports (or one of: {others})",
        ) from exc


def _short(exc: Exception, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "..."
