"""The Chroma collection that holds every brand's guideline chunks (through langchain-chroma).

An embedded persistent store in ``<home>/chroma`` by default; a Chroma server (``chroma run``) when
``settings.chroma_url`` is set. Telemetry is off, and Chroma's own default embedding function (which
would download an ONNX model) is never used: vectors always come from our embedder. The collection
records which embedder built it; opening it with another one is an error that says how to reindex.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError, MissingDependencyError, ProviderError
from assistant.retrieval.embeddings import embedder_id

EMBEDDER_KEY = "embedder"
_PAGE = 2000


@dataclass
class SourceInfo:
    """One ingested file of one brand, as the store knows it."""

    brand: str
    source: str
    root: str
    file_hash: str
    lang: str
    ids: set[str] = field(default_factory=set)

    @property
    def chunks(self) -> int:
        return len(self.ids)


def make_client(settings):
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
    except ImportError as exc:
        raise MissingDependencyError("chromadb", "knowledge", "guideline retrieval") from exc
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.chroma_url:
        path = settings.home / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    url = urlparse(settings.chroma_url)
    if url.scheme not in {"http", "https"} or not url.hostname:
        raise ConfigError(f"not a Chroma server URL: '{settings.chroma_url}'", where="settings.chroma_url",
                          fix="use e.g. http://127.0.0.1:8000, or unset it for the embedded store")
    try:
        return chromadb.HttpClient(host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                                   ssl=url.scheme == "https", settings=chroma_settings)
    except Exception as exc:  # noqa: BLE001 - chromadb raises plain exceptions for connection errors
        raise ProviderError(
            f"cannot reach the Chroma server at {settings.chroma_url}: {exc}", where="settings.chroma_url",
            fix="start it (chroma run --path DIR --host 127.0.0.1 --port PORT) or unset ASSISTANT_CHROMA_URL",
        ) from exc


def read_records(collection, where: dict | None = None,
                 include=("metadatas", "documents")) -> Iterator[tuple[str, dict, str]]:
    offset = 0
    while True:
        page = collection.get(where=where, include=list(include), limit=_PAGE, offset=offset)
        ids = page["ids"]
        docs = page.get("documents") or [None] * len(ids)
        for i, chunk_id in enumerate(ids):
            yield chunk_id, page["metadatas"][i] or {}, docs[i]
        if len(ids) < _PAGE:
            return
        offset += _PAGE


class ChunkStore:
    """Thin layer over ``langchain_chroma.Chroma``: typed reads per brand, writes in batches."""

    def __init__(self, client, name: str, embeddings: Embeddings):
        try:
            from langchain_chroma import Chroma
        except ImportError as exc:
            raise MissingDependencyError("langchain-chroma", "knowledge", "guideline retrieval") from exc
        self.client = client
        self.name = name
        self.embeddings = embeddings
        self.embedder = embedder_id(embeddings)
        self._check_embedder()
        self.vectors = Chroma(
            client=client, collection_name=name, embedding_function=embeddings,
            collection_metadata={EMBEDDER_KEY: self.embedder},
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        self.version = 0  # bumped on every write, so readers know their caches are stale

    @property
    def collection(self):
        return self.vectors._collection

    def _check_embedder(self) -> None:
        existing = {c.name if hasattr(c, "name") else c for c in self.client.list_collections()}
        if self.name not in existing:
            return
        coll = self.client.get_collection(self.name, embedding_function=None)
        recorded = (coll.metadata or {}).get(EMBEDDER_KEY)
        if recorded == self.embedder:
            return
        if coll.count() == 0:  # nothing to mix up: take the new embedder
            coll.modify(metadata={**(coll.metadata or {}), EMBEDDER_KEY: self.embedder})
            return
        raise ConfigError(
            f"the knowledge collection '{self.name}' was built with the embedder '{recorded}', "
            f"but the settings ask for '{self.embedder}'; mixing their vectors would give wrong results",
            where="settings.embedder",
            fix="run `assistant kb reindex` to re-embed every chunk with the new embedder, or set the "
            "embedder settings (ASSISTANT_EMBEDDER, ASSISTANT_EMBEDDING_DIM, ASSISTANT_EMBEDDING_MODEL) back",
        )

    # --- reads -------------------------------------------------------------------------------
    def count(self) -> int:
        return self.collection.count()

    def records(self, where: dict | None = None, include=("metadatas", "documents")) -> Iterator[tuple[str, dict, str]]:
        """(id, metadata, document) of every chunk matching ``where``, paged."""
        return read_records(self.collection, where, include)

    def sources(self, brand: str | None = None) -> dict[tuple[str, str], SourceInfo]:
        """Per (brand, source): root folder, file hash, language and chunk ids."""
        out: dict[tuple[str, str], SourceInfo] = {}
        where = {"brand": brand} if brand else None
        for chunk_id, meta, _ in self.records(where, include=("metadatas",)):
            key = (meta["brand"], meta["source"])
            info = out.get(key)
            if info is None:
                info = out[key] = SourceInfo(meta["brand"], meta["source"], meta.get("root", ""),
                                             meta.get("file_hash", ""), meta.get("lang", "und"))
            info.ids.add(chunk_id)
        return out

    # --- writes ------------------------------------------------------------------------------
    def add(self, ids: list[str], texts: list[str], index_texts: list[str], metadatas: list[dict]) -> None:
        """Embed ``index_texts`` (one batched call) and store them with the chunk ``texts``."""
        if not ids:
            return
        vectors = self.embeddings.embed_documents(index_texts)
        self.collection.upsert(ids=ids, embeddings=vectors, documents=texts, metadatas=metadatas)
        self.version += 1

    def update_metadata(self, ids: list[str], metadatas: list[dict[str, Any]]) -> None:
        if ids:
            self.collection.update(ids=ids, metadatas=metadatas)
            self.version += 1

    def delete(self, ids: list[str] | set[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), _PAGE):
            self.vectors.delete(ids=ids[start:start + _PAGE])
        if ids:
            self.version += 1

    def nearest(self, vector: list[float], n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(id, cosine distance) of the ``n`` chunks nearest to ``vector``. Without ``where`` this is a
        pure HNSW lookup (about 2 ms at 10,000 chunks); Chroma's metadata filters cost 30-80 ms there."""
        res = self.collection.query(query_embeddings=[vector], n_results=n, where=where, include=["distances"])
        return list(zip(res["ids"][0], res["distances"][0]))
