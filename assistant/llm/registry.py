"""Providers are chosen by name from this registry."""

from __future__ import annotations

from typing import Callable

from assistant.errors import ConfigError
from assistant.llm.base import LLMHandle


def _openai(settings) -> LLMHandle:
    from assistant.llm.openai_provider import DEFAULT_OPENAI_MODEL, build_chat_openai

    return LLMHandle(build_chat_openai(settings), "openai", settings.model or DEFAULT_OPENAI_MODEL)


def _local(settings) -> LLMHandle:
    from assistant.llm.local import LOCAL_MODEL_NAME, LlamaCppChatModel, assemble_gguf

    path = settings.local_model_path or assemble_gguf(settings.home / "models")
    name = settings.model or (LOCAL_MODEL_NAME if settings.local_model_path is None else path.stem)
    chat = LlamaCppChatModel(
        model_path=path,
        model_name=name,
        n_ctx=settings.local_n_ctx,
        n_threads=settings.local_threads,
        temperature=settings.temperature,
        max_tokens=settings.max_output_tokens,
        seed=settings.seed,
    )
    return LLMHandle(chat, "local", name, rendering="completion")


def _fake(settings) -> LLMHandle:
    from assistant.llm.fake import ScriptedChatModel

    return LLMHandle(ScriptedChatModel(), "fake", settings.model or "scripted")


PROVIDERS: dict[str, Callable[..., LLMHandle]] = {
    "openai": _openai,
    "local": _local,
    "fake": _fake,
}


def build_llm(settings) -> LLMHandle:
    name = settings.resolved_provider
    try:
        builder = PROVIDERS[name]
    except KeyError:
        raise ConfigError(
            f"unknown LLM provider '{name}'",
            where="settings.provider",
            fix=f"use one of: auto, {', '.join(sorted(PROVIDERS))}",
        ) from None
    return builder(settings)
