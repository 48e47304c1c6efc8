"""The chain machinery every content kind shares: ``prompt | model.with_structured_output(schema)``,
timed, with token usage from the provider or counted offline."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from langchain_core.messages import HumanMessage
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel

from assistant.errors import ProviderError
from assistant.generation.models import Usage
from assistant.generation.prompts import PromptFile
from assistant.llm import LLMHandle, StructuredResult
from assistant.llm.tokens import TokenCounter, estimate_cost


@dataclass
class ChainOutput:
    result: StructuredResult
    usage: Usage


def build_chain(prompt: PromptFile, llm: LLMHandle, schema: type[BaseModel],
                completion: Callable[[dict[str, str]], str] | None = None):
    """``prompt | model``; a base model (``llm.rendering == "completion"``) gets the text ``completion``
    renders (default: the prompt's messages as plain text) as its one message."""
    if llm.rendering == "completion":
        render = completion or (lambda variables: prompt.render(**variables))
        template: Runnable = RunnableLambda(lambda variables: [HumanMessage(render(variables))])
    else:
        template = prompt.chat_template()
    return template | llm.chat.with_structured_output(schema, include_raw=True)


def run_structured(
    prompt: PromptFile, llm: LLMHandle, schema: type[BaseModel], variables: dict[str, str],
    completion: Callable[[dict[str, str]], str] | None = None,
) -> ChainOutput:
    chain = build_chain(prompt, llm, schema, completion)
    started = time.perf_counter()
    try:
        out = chain.invoke(variables)
    except ProviderError:
        raise
    except Exception as exc:  # noqa: BLE001 - network, auth, server errors from any provider
        raise ProviderError(
            f"{llm.provider} model '{llm.model_name}' failed: {type(exc).__name__}: {exc}",
            fix="check the provider settings (`assistant config show`) and that the server is reachable",
        ) from exc
    latency_ms = int((time.perf_counter() - started) * 1000)
    result = StructuredResult(raw=out.get("raw"), parsed=out.get("parsed"), error=out.get("parsing_error"))
    usage = _usage(result, prompt, variables, llm)
    usage.latency_ms = latency_ms
    return ChainOutput(result=result, usage=usage)


def _usage(result: StructuredResult, prompt: PromptFile, variables: dict[str, str], llm: LLMHandle) -> Usage:
    meta = getattr(result.raw, "usage_metadata", None) or {}
    if meta.get("input_tokens"):
        usage = Usage(prompt_tokens=meta["input_tokens"], completion_tokens=meta.get("output_tokens", 0),
                      source="provider")
    else:
        counter = TokenCounter(llm.model_name)
        usage = Usage(
            prompt_tokens=counter.count(prompt.render(**variables)),
            completion_tokens=counter.count(result.raw_text),
            source="counted",
            encoding=counter.encoding,
        )
    usage.cost_usd = estimate_cost(llm.model_name, usage.prompt_tokens, usage.completion_tokens, llm.provider)
    return usage
