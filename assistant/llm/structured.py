"""One structured call every caller shares (generation, the reviser, the model judge):
``prompt | model.with_structured_output(schema)``, timed, with token usage from the provider or counted
offline. A reply that does not fit the schema gets one repair request that quotes the validation
errors; if that fails too the caller stores the raw text as a failed result, never a crash."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from assistant.errors import ProviderError
from assistant.llm.base import LLMHandle, StructuredResult
from assistant.llm.schema_prompt import schema_instructions
from assistant.llm.tokens import TokenCounter, Usage, estimate_cost

MAX_ERRORS_QUOTED = 8


class Prompt(Protocol):
    """What a structured call needs from a prompt file (``assistant.llm.prompts.PromptFile``)."""

    def chat_template(self) -> Any: ...

    def render(self, **variables: str) -> str: ...


@dataclass
class ChainOutput:
    result: StructuredResult
    usage: Usage
    repaired: bool = False  # the first reply did not fit; the result is the repair request's


def run_structured(prompt: Prompt, llm: LLMHandle, schema: type[BaseModel], variables: dict[str, str], *,
                   repair_schema: type[BaseModel] | None = None, repair: bool = True,
                   completion: Callable[[dict[str, str]], str] | None = None) -> ChainOutput:
    """Ask for ``schema``; on a reply that does not fit, ask once more (with ``repair_schema``, default
    the same schema), quoting the validation errors and the fields wanted.

    A base model (``llm.rendering == "completion"``) gets one message, the text ``completion`` renders
    (default: the prompt as plain text); its repair is the same text again under ``repair_schema`` (a
    completion model does not follow a conversation)."""
    if llm.rendering == "completion":
        text = completion(variables) if completion else prompt.render(**variables)
        messages: list[BaseMessage] = [HumanMessage(content=text)]
    else:
        text = prompt.render(**variables)
        messages = prompt.chat_template().format_messages(**variables)
    started = time.perf_counter()
    result = _invoke(llm, schema, messages)
    usage = _usage(result, text, llm)
    repaired = False
    if result.parsed is None and repair:
        repaired = True
        target = repair_schema or schema
        if llm.rendering == "completion":
            follow_up = messages
        else:
            follow_up = [*messages, result.raw or AIMessage(content=""),
                         HumanMessage(content=repair_request(result, target))]
        result = _invoke(llm, target, follow_up)
        extra = _usage(result, "\n\n".join(str(m.content) for m in follow_up), llm)
        usage.prompt_tokens += extra.prompt_tokens
        usage.completion_tokens += extra.completion_tokens
        if extra.cost_usd is not None:
            usage.cost_usd = (usage.cost_usd or 0.0) + extra.cost_usd
    usage.latency_ms = int((time.perf_counter() - started) * 1000)
    return ChainOutput(result=result, usage=usage, repaired=repaired)


def repair_request(result: StructuredResult, schema: type[BaseModel]) -> str:
    return ("Your reply did not fit the required JSON schema:\n" + describe_error(result.error)
            + "\n\nReply again with the corrected JSON object only. " + schema_instructions(schema))


def describe_error(error: Exception | None) -> str:
    """Validation errors as ``- field.path: message`` lines; other errors as their text."""
    cause = error
    while cause is not None and not isinstance(cause, ValidationError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ValidationError):
        lines = [f"- {'.'.join(str(p) for p in e['loc']) or '(the object)'}: {e['msg']}"
                 for e in cause.errors()[:MAX_ERRORS_QUOTED]]
        return "\n".join(lines)
    return f"- {error}" if error is not None else "- the reply was empty"


def _invoke(llm: LLMHandle, schema: type[BaseModel], messages: list[BaseMessage]) -> StructuredResult:
    try:
        out = llm.chat.with_structured_output(schema, include_raw=True).invoke(messages)
    except ProviderError:
        raise
    except Exception as exc:  # noqa: BLE001 - network, auth, server errors from any provider
        raise ProviderError(
            f"{llm.provider} model '{llm.model_name}' failed: {type(exc).__name__}: {exc}",
            fix="check the provider settings (`assistant config show`) and that the server is reachable",
        ) from exc
    return StructuredResult(raw=out.get("raw"), parsed=out.get("parsed"), error=out.get("parsing_error"))


def _usage(result: StructuredResult, prompt_text: str, llm: LLMHandle) -> Usage:
    meta = getattr(result.raw, "usage_metadata", None) or {}
    if meta.get("input_tokens"):
        usage = Usage(prompt_tokens=meta["input_tokens"], completion_tokens=meta.get("output_tokens", 0),
                      source="provider")
    else:
        counter = TokenCounter(llm.model_name)
        usage = Usage(prompt_tokens=counter.count(prompt_text), completion_tokens=counter.count(result.raw_text),
                      source="counted", encoding=counter.encoding)
    tier = (getattr(result.raw, "response_metadata", None) or {}).get("service_tier")  # e.g. batch: Batch API
    usage.cost_usd = estimate_cost(llm.model_name, usage.prompt_tokens, usage.completion_tokens, llm.provider,
                                   tier=tier if isinstance(tier, str) else None)
    return usage
