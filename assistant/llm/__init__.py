"""LLM providers behind one interface: a LangChain ``BaseChatModel`` plus a little metadata.

The names below load on first use, so importing ``assistant.llm.tokens`` (say) does not import
LangChain.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {"LLMHandle": "base", "StructuredResult": "base", "parse_structured": "base",
            "PROVIDERS": "registry", "build_llm": "registry"}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"assistant.llm.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'assistant.llm' has no attribute {name!r}")
