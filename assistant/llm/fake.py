"""A scripted chat model for tests: queued replies, and a record of every message list it received."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import BaseModel, Field, PrivateAttr

from assistant.errors import ProviderError
from assistant.llm.base import SchemaOutputMixin


class ScriptedChatModel(SchemaOutputMixin, BaseChatModel):
    """Replies are strings, dicts/lists (sent as JSON), pydantic models or exceptions (raised).

    ``default_reply`` answers when the queue is empty; otherwise an empty queue is an error, so a
    test notices a call it did not expect.
    """

    replies: list[Any] = Field(default_factory=list)
    default_reply: Any = None
    model_name: str = "scripted"
    _received: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _kwargs: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def received(self) -> list[list[BaseMessage]]:
        return self._received

    @property
    def call_kwargs(self) -> list[dict[str, Any]]:
        return self._kwargs

    def queue(self, *replies: Any) -> "ScriptedChatModel":
        self.replies.extend(replies)
        return self

    def _next_reply(self) -> Any:
        if self.replies:
            return self.replies.pop(0)
        if self.default_reply is not None:
            return self.default_reply
        raise ProviderError(
            "the scripted model has no reply queued",
            fix="queue a reply with ScriptedChatModel.queue(...) before calling the chain",
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._received.append(list(messages))
        self._kwargs.append(dict(kwargs))
        reply = self._next_reply()
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, BaseModel):
            text = reply.model_dump_json()
        elif isinstance(reply, (dict, list)):
            text = json.dumps(reply, ensure_ascii=False)
        else:
            text = str(reply)
        # No usage metadata: like many OpenAI-compatible servers, so callers count tokens themselves.
        message = AIMessage(content=text)
        return ChatResult(generations=[ChatGeneration(message=message)])
