"""Hybrid retrieval: vector similarity (Chroma) + BM25 keywords, merged by reciprocal rank fusion.

Filters: always one brand; a language when asked (``zh-Hans`` matches chunks in ``zh``). A brand
with no guidelines in the asked language is searched in all its languages instead, so a German
draft still sees the English guidelines. ``expand`` (the brand glossary) adds the other-language
terms of glossary entries found in the query, which lets an English query find Chinese passages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np

from assistant.errors import InputError
from assistant.retrieval import Passage
from assistant.retrieval.chunking import base_lang, index_text
from assistant.retrieval.keyword import BM25Index
from assistant.retrieval.store import ChunkStore

Mode = Literal["hybrid", "vector", "keyword"]
MODES = ("hybrid", "vector", "keyword")
RRF_K = 60
_OVERFETCH = (6, 40)  # unfiltered lookups of candidates x factor before Chroma filters


@dataclass
class _BrandIndex:
    key: tuple[int, int]
    ids: list[str]
    metas: list[dict]
    texts: list[str]
    langs: np.ndarray
    bm25: BM25Index
    position: dict[str, int]


class HybridRetriever:
    def __init__(self, store: ChunkStore, *, expand: Callable[[str, str], str] | None = None,
                 candidates: int = 30):
        self.store = store
        self.expand = expand
        self.candidates = candidates
        self._indexes: dict[str, _BrandIndex] = {}

    def retrieve(self, brand: str, query: str, *, lang: str | None = None, k: int = 4) -> list[Passage]:
        return self.search(brand, query, lang=lang, k=k)

    def search(self, brand: str, query: str, *, lang: str | None = None, k: int = 4,
               mode: Mode = "hybrid") -> list[Passage]:
        if mode not in MODES:
            raise InputError(f"unknown retrieval mode '{mode}'", where="--mode", fix=f"use one of: {', '.join(MODES)}")
        index = self._index(brand)
        if not index.ids or not query.strip():
            return []
        wanted = base_lang(lang)
        lang_filter = wanted if wanted in set(index.langs.tolist()) else None
        query = self.expand(brand, query) if self.expand else query
        ranked: list[list[str]] = []
        if mode in ("hybrid", "vector"):
            ranked.append(self._nearest(index, brand, self.store.embeddings.embed_query(query), lang_filter))
        if mode in ("hybrid", "keyword"):
            mask = None if lang_filter is None else index.langs == lang_filter
            ranked.append([index.ids[i] for i, _ in index.bm25.top(query, self.candidates, mask)])
        fused = reciprocal_rank_fusion(ranked)[:k]
        out = []
        for chunk_id, score in fused:
            i = index.position.get(chunk_id)
            if i is None:  # written by another process after our index was built
                continue
            meta = index.metas[i]
            out.append(Passage(id=chunk_id, text=index.texts[i], source=meta["source"],
                               section=meta.get("section") or None, lang=meta.get("lang"), score=round(score, 5)))
        return out

    def _nearest(self, index: _BrandIndex, brand: str, vector: list[float], lang: str | None) -> list[str]:
        """Nearest chunks of ``brand`` (in ``lang``): an unfiltered lookup of a few times more
        candidates, filtered here; when too few survive (a small brand in a big collection), Chroma
        filters instead (slower, same result)."""
        def eligible(chunk_id: str) -> bool:
            i = index.position.get(chunk_id)
            return i is not None and (lang is None or index.langs[i] == lang)

        wanted = min(self.candidates, len(index.ids) if lang is None else int((index.langs == lang).sum()))
        for factor in _OVERFETCH:
            hits = [c for c, _ in self.store.nearest(vector, self.candidates * factor) if eligible(c)]
            if len(hits) >= wanted:
                return hits[:self.candidates]
        where = {"brand": brand} if lang is None else {"$and": [{"brand": brand}, {"lang": lang}]}
        return [c for c, _ in self.store.nearest(vector, self.candidates, where)]

    def _index(self, brand: str) -> _BrandIndex:
        """The brand's chunks and BM25 index, rebuilt when the store changed."""
        key = (self.store.version, self.store.count())
        cached = self._indexes.get(brand)
        if cached is not None and cached.key == key:
            return cached
        ids, metas, texts = [], [], []
        for chunk_id, meta, text in self.store.records({"brand": brand}):
            ids.append(chunk_id)
            metas.append(meta)
            texts.append(text or "")
        bm25 = BM25Index([index_text(t, m.get("section")) for t, m in zip(texts, metas)])
        langs = np.array([m.get("lang", "und") for m in metas], dtype=object)
        index = _BrandIndex(key, ids, metas, texts, langs, bm25, {c: i for i, c in enumerate(ids)})
        self._indexes[brand] = index
        return index


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Sum of 1/(k + rank) over the rankings an item appears in, best first (ties: first seen)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
