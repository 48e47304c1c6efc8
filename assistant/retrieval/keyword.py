"""BM25 keyword scoring over one brand's chunks, so exact terms (product-line names, policy words,
Chinese terms) are always found even when the embedding misses them."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np

from assistant.retrieval.text import tokens


class BM25Index:
    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75):
        self.size = len(texts)
        docs = [Counter(tokens(t)) for t in texts]
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if self.size else 1.0
        norm = k1 * (1 - b + b * lengths / (avg or 1.0))
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for term, tf in doc.items():
                postings[term].append((i, tf))
        # per term: the documents it occurs in and their precomputed tf part of BM25, times idf
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, plist in postings.items():
            idx = np.fromiter((i for i, _ in plist), dtype=np.int32, count=len(plist))
            tf = np.fromiter((t for _, t in plist), dtype=np.float32, count=len(plist))
            idf = math.log(1 + (self.size - len(plist) + 0.5) / (len(plist) + 0.5))
            self._postings[term] = (idx, idf * tf * (k1 + 1) / (tf + norm[idx]))

    def scores(self, query: str) -> np.ndarray:
        scores = np.zeros(self.size, dtype=np.float32)
        for term, qtf in Counter(tokens(query)).items():
            hit = self._postings.get(term)
            if hit is not None:
                scores[hit[0]] += qtf * hit[1]
        return scores

    def top(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``n`` (document index, score) with a positive score, among ``mask`` if given."""
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(n, self.size)
        if n == 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in best if scores[i] > 0]
