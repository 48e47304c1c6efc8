"""What every provider shares: the handle, and structured output that never raises on bad JSON.

``with_structured_output(schema, include_raw=True)`` on every provider returns a dict
``{"raw": AIMessage, "parsed": model | None, "parsing_error": Exception | None}``, the same shape
LangChain's OpenAI package returns, so chains treat all providers alike.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, ValidationError


@dataclass
class LLMHandle:
    """A chat model and what we record about it with every draft."""

    chat: BaseChatModel
    provider: str
    model_name: str
    # "chat": the prompt files' system + user messages; "completion": a few-shot completion prompt for
    # a base model (assistant/generation/completion.py)
    rendering: str = "chat"


@dataclass
class StructuredResult:
    raw: AIMessage | None
    parsed: BaseModel | None
    error: Exception | None

    @property
    def raw_text(self) -> str:
        if self.raw is None:
            return ""
        content = self.raw.content
        if isinstance(content, str):
            return content
        return json.dumps(content, ensure_ascii=False)


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def extract_json(text: str) -> Any:
    """Parse JSON from a model reply, tolerating code fences and leading/trailing chatter."""
    match = _FENCE.match(text)
    if match:
        text = match.group(1)
    text = text.strip()
    # strict=False accepts raw newlines inside strings, which small models (and llama.cpp's
    # JSON grammar) produce; the value is still unambiguous.
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        start = text.find("{")
        end = text.rfind("}")
        if start != -1 and end > start:
            return json.loads(text[start : end + 1], strict=False)
        raise


def parse_structured(message: BaseMessage, schema: type[BaseModel]) -> dict[str, Any]:
    """Turn a model message into the include_raw dict; never raises."""
    text = message.content if isinstance(message.content, str) else json.dumps(message.content)
    try:
        parsed = schema.model_validate(extract_json(text))
        return {"raw": message, "parsed": parsed, "parsing_error": None}
    except (json.JSONDecodeError, ValidationError, ValueError) as exc:
        return {"raw": message, "parsed": None, "parsing_error": exc}


class SchemaOutputMixin:
    """For our own chat models: bind the JSON schema (the model may constrain decoding with it),
    then parse the reply into the pydantic schema."""

    def with_structured_output(  # type: ignore[override]
        self, schema: type[BaseModel], *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable:
        bound = self.bind(json_schema=schema.model_json_schema())  # type: ignore[attr-defined]
        parse = RunnableLambda(lambda msg: parse_structured(msg, schema))
        if include_raw:
            return bound | parse
        return bound | parse | RunnableLambda(parsed_or_raise)


def parsed_or_raise(result: dict[str, Any]) -> BaseModel:
    if result["parsing_error"] is not None:
        raise result["parsing_error"]
    return result["parsed"]
