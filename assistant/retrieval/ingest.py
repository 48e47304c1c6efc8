"""Incremental ingestion of guideline files into the chunk store.

A file whose bytes did not change is skipped without being parsed. A changed file is re-chunked; its
chunks are identified by a hash of their heading and text, so only new or edited chunks are
embedded, unchanged ones keep their vectors, and chunks that disappeared are deleted. Files deleted
from an ingested folder lose their chunks. A file that cannot be read is reported by name (its
previous chunks, if any, are kept) and the other files are still ingested.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.errors import InputError
from assistant.retrieval.chunking import Chunker, detect_lang, lang_hint
from assistant.retrieval.loaders import SUPPORTED, IngestFileError, load_text
from assistant.retrieval.store import ChunkStore, SourceInfo

UPLOAD_ROOT = "upload"
_BATCH = 256

Status = Literal["added", "updated", "unchanged", "removed", "failed"]


@dataclass
class FileResult:
    source: str
    status: Status
    chunks: int = 0
    embedded: int = 0
    deleted: int = 0
    error: str | None = None


@dataclass
class IngestReport:
    brand: str
    files: list[FileResult] = field(default_factory=list)

    def _sum(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)

    @property
    def embedded(self) -> int:
        return self._sum("embedded")

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in ("added", "updated", "unchanged", "removed", "failed")}
        for f in self.files:
            out[f.status] += 1
        return out


class Ingestor:
    def __init__(self, store: ChunkStore, chunker: Chunker):
        self.store = store
        self.chunker = chunker
        self._pending: list[tuple[str, str, str, dict]] = []

    # --- entry points --------------------------------------------------------------------------
    def ingest(self, brand: str, path: Path, *, name: str | None = None) -> IngestReport:
        """A folder (recursively, pruning files that are gone) or a single (uploaded) file."""
        path = Path(path)
        if not path.exists():
            raise InputError("no such file or folder", where=str(path),
                             fix=f"put guideline files in knowledge/{brand}/guidelines/ or pass a path")
        report = IngestReport(brand)
        existing = {src: info for (_, src), info in self.store.sources(brand).items()}
        if path.is_file():
            source = f"{UPLOAD_ROOT}/{name or path.name}"
            report.files.append(self._ingest_file(brand, path, source, UPLOAD_ROOT, existing.get(source), ()))
        else:
            root = str(path.resolve())
            seen = set()
            for file in discover(path):
                rel = file.relative_to(path)
                source = rel.as_posix()
                seen.add(source)
                if not file.resolve().is_relative_to(root):  # a link to a file elsewhere: never read it
                    if (old := existing.get(source)) is not None:
                        self.store.delete(old.ids)
                    report.files.append(FileResult(source, "failed", error=(
                        f"{file}: links to {file.resolve()}, outside {root}; refused (copy the file into the folder)")))
                    continue
                report.files.append(
                    self._ingest_file(brand, file, source, root, existing.get(source), rel.parts))
            for source, info in sorted(existing.items()):
                if info.root == root and source not in seen:
                    self.store.delete(info.ids)
                    report.files.append(FileResult(source, "removed", deleted=len(info.ids)))
        self._flush()
        return report

    def remove(self, brand: str, source: str) -> int:
        info = self.store.sources(brand).get((brand, source))
        if info is None:
            known = sorted(src for _, src in self.store.sources(brand))
            raise InputError(f"brand '{brand}' has no ingested source '{source}'", where="kb remove",
                             fix="see `assistant kb list`" + (f"; e.g. {known[0]}" if known else ""))
        self.store.delete(info.ids)
        return len(info.ids)

    # --- one file ------------------------------------------------------------------------------
    def _ingest_file(self, brand: str, file: Path, source: str, root: str, info: SourceInfo | None,
                     parts: tuple[str, ...]) -> FileResult:
        data = file.read_bytes()
        # the chunking settings are part of the hash: changing them re-chunks every file
        file_hash = hashlib.sha256(self.chunker.signature.encode() + data).hexdigest()[:16]
        if info is not None and info.file_hash == file_hash and info.root == root:
            return FileResult(source, "unchanged", chunks=info.chunks)
        try:
            chunks = self.chunker.split(load_text(file, data))
        except IngestFileError as exc:
            return FileResult(source, "failed", chunks=info.chunks if info else 0, error=exc.render())
        except Exception as exc:  # noqa: BLE001 - a damaged file (truncated archive, bad stream) fails alone
            return FileResult(source, "failed", chunks=info.chunks if info else 0,
                              error=f"{file}: could not be read ({type(exc).__name__}: {exc}); re-save or remove it")
        hint = lang_hint(parts or (file.name,))
        old_ids = info.ids if info else set()
        keep_ids, keep_meta, new_ids = [], [], set()
        for chunk in chunks:
            chunk_id = _unique(f"{brand}:{source}#{chunk.content_hash[:10]}", new_ids)
            new_ids.add(chunk_id)
            meta = {"brand": brand, "source": source, "root": root, "section": chunk.section,
                    "lang": hint or detect_lang(chunk.text), "hash": chunk.content_hash,
                    "file_hash": file_hash, "position": chunk.position}
            if chunk_id in old_ids:
                keep_ids.append(chunk_id)
                keep_meta.append(meta)
            else:
                self._pending.append((chunk_id, chunk.text, chunk.index_text, meta))
                if len(self._pending) >= _BATCH:
                    self._flush()
        stale = old_ids - new_ids
        self.store.delete(stale)
        self.store.update_metadata(keep_ids, keep_meta)
        return FileResult(source, "updated" if info else "added", chunks=len(chunks),
                          embedded=len(chunks) - len(keep_ids), deleted=len(stale))

    def _flush(self) -> None:
        if self._pending:
            ids, texts, index_texts, metas = map(list, zip(*self._pending))
            self._pending = []
            self.store.add(ids, texts, index_texts, metas)


def discover(folder: Path) -> list[Path]:
    """Supported files under ``folder``, sorted; hidden files and folders are skipped."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED
        and not any(part.startswith((".", "~$")) for part in p.relative_to(folder).parts)
    )


def _unique(chunk_id: str, taken: set[str]) -> str:
    """The same paragraph twice in one file still gets two ids."""
    candidate, n = chunk_id, 2
    while candidate in taken:
        candidate, n = f"{chunk_id}-{n}", n + 1
    return candidate

