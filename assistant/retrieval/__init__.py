"""Brand guideline retrieval. ``Retriever`` is what generation needs; the real implementation
(ChromaDB + BM25 hybrid) plugs in through ``build_services``."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel


class Passage(BaseModel):
    id: str
    text: str
    source: str
    section: str | None = None
    lang: str | None = None
    score: float = 0.0


class Retriever(Protocol):
    def retrieve(self, brand: str, query: str, *, lang: str | None = None, k: int = 4) -> list[Passage]: ...


class NullRetriever:
    """No knowledge base: generation runs on the brand kit and product facts alone."""

    def retrieve(self, brand: str, query: str, *, lang: str | None = None, k: int = 4) -> list[Passage]:
        return []


def passages_block(passages: list[Passage]) -> str:
    if not passages:
        return "(none retrieved)"
    return "\n".join(f"[{p.id}] ({p.source}{' > ' + p.section if p.section else ''}) {p.text}" for p in passages)
