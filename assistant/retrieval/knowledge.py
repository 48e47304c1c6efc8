"""``KnowledgeBase``: the brand-knowledge service (ingest, list, search, remove, reindex) that
``build_services`` hands to the CLI, the UI, the evals and, as the ``Retriever``, to generation.

Nothing is opened until first use, so commands that never retrieve never start Chroma.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import Callable

from langchain_core.embeddings import Embeddings

from assistant.errors import InputError, MissingDependencyError
from assistant.retrieval import Passage
from assistant.retrieval.chunking import Chunker, index_text
from assistant.retrieval.embeddings import build_embeddings, embedder_id
from assistant.retrieval.hybrid import HybridRetriever, Mode
from assistant.retrieval.ingest import IngestReport, Ingestor
from assistant.retrieval.store import ChunkStore, SourceInfo, make_client, read_records

log = logging.getLogger(__name__)
GUIDELINES_DIR = "guidelines"
_REINDEX_BATCH = 256


class KnowledgeBase:
    def __init__(self, settings, brand_dir: Callable[[str], Path], *, embeddings: Embeddings | None = None,
                 expand: Callable[[str, str], str] | None = None):
        self.settings = settings
        self.brand_dir = brand_dir  # brand id -> its folder (``Services.brand_folders.path``)
        self._embeddings = embeddings
        self._expand = expand
        self._warned = False

    # --- components (lazy) ---------------------------------------------------------------------
    @cached_property
    def embeddings(self) -> Embeddings:
        return self._embeddings or build_embeddings(self.settings)

    @cached_property
    def client(self):
        return make_client(self.settings)

    @cached_property
    def store(self) -> ChunkStore:
        return ChunkStore(self.client, self.settings.chroma_collection, self.embeddings)

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(self.store, Chunker(self.settings.chunk_tokens, self.settings.chunk_overlap))

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.store, expand=self._expand)

    def _reset(self) -> None:
        for name in ("store", "ingestor", "retriever"):
            self.__dict__.pop(name, None)

    # --- operations ------------------------------------------------------------------------------
    def guidelines_dir(self, brand: str) -> Path:
        return self.brand_dir(brand) / GUIDELINES_DIR  # brand_dir checks the id (a folder name, never a path)

    def ingest(self, brand: str, path: Path | None = None, *, name: str | None = None) -> IngestReport:
        """Ingest a folder (default the brand folder's ``guidelines/``) or one uploaded file."""
        return self.ingestor.ingest(brand, Path(path) if path else self.guidelines_dir(brand), name=name)

    def sources(self, brand: str | None = None) -> list[SourceInfo]:
        return sorted(self.store.sources(brand).values(), key=lambda s: (s.brand, s.source))

    def search(self, brand: str, query: str, *, lang: str | None = None, k: int | None = None,
               mode: Mode = "hybrid") -> list[Passage]:
        return self.retriever.search(brand, query, lang=lang, k=k or self.settings.retrieval_k, mode=mode)

    def retrieve(self, brand: str, query: str, *, lang: str | None = None, k: int = 4) -> list[Passage]:
        """The ``Retriever`` protocol for generation. Without the ``knowledge`` extra, generation
        goes on without guidelines (logged once) instead of failing."""
        try:
            return self.retriever.retrieve(brand, query, lang=lang, k=k)
        except MissingDependencyError as exc:
            if not self._warned:
                log.warning("guideline retrieval is off: %s", exc.render())
                self._warned = True
            return []

    def remove(self, brand: str, source: str) -> int:
        return self.ingestor.remove(brand, source)

    def reindex(self) -> int:
        """Re-embed every stored chunk with the configured embedder (after switching embedders).
        The new vectors go to a side collection that replaces the old one only when complete."""
        name = self.settings.chroma_collection
        names = {getattr(c, "name", c) for c in self.client.list_collections()}
        if name not in names:
            raise InputError(f"there is no knowledge collection '{name}' to reindex",
                             fix="run `assistant kb ingest` first")
        old = self.client.get_collection(name, embedding_function=None)
        side = f"{name}-reindex"
        if side in names:
            self.client.delete_collection(side)
        target = ChunkStore(self.client, side, self.embeddings)
        batch: list[tuple[str, dict, str]] = []
        total = 0
        for record in read_records(old):
            batch.append(record)
            if len(batch) >= _REINDEX_BATCH:
                total += _copy(target, batch)
                batch = []
        total += _copy(target, batch)
        self.client.delete_collection(name)
        target.collection.modify(name=name)
        self._reset()
        return total

    def describe(self) -> dict[str, str]:
        where = self.settings.chroma_url or str(self.settings.home / "chroma")
        return {"store": where, "collection": self.settings.chroma_collection,
                "embedder": embedder_id(self.embeddings)}


def _copy(target: ChunkStore, records: list[tuple[str, dict, str]]) -> int:
    if records:
        ids, metas, docs = [r[0] for r in records], [r[1] for r in records], [r[2] or "" for r in records]
        target.add(ids, docs, [index_text(d, m.get("section")) for d, m in zip(docs, metas)], metas)
    return len(records)


def glossary_expander(load_kit: Callable[[str], object]) -> Callable[[str, str], str]:
    """``expand(brand, query)`` from the brand kits' glossaries; a brand without a kit expands nothing."""
    kits: dict[str, object | None] = {}

    def expand(brand: str, query: str) -> str:
        if brand not in kits:
            try:
                kits[brand] = load_kit(brand)
            except InputError:
                kits[brand] = None
        kit = kits[brand]
        return kit.expand_query(query) if kit is not None else query  # type: ignore[attr-defined]

    return expand
