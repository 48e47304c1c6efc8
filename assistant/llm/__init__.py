"""LLM providers behind one interface: a LangChain ``BaseChatModel`` plus a little metadata."""

from assistant.llm.base import LLMHandle, StructuredResult, parse_structured
from assistant.llm.registry import PROVIDERS, build_llm

__all__ = ["LLMHandle", "StructuredResult", "parse_structured", "PROVIDERS", "build_llm"]
