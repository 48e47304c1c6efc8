"""Token-aware chunking with langchain-text-splitters; headings are kept as section metadata.

Text is first split at Markdown headings (``#`` to ``####``), so a chunk never spans two sections and
knows its heading path ("Claims policy > Environmental claims"). Long sections are then split by
tokens (the offline ``cl100k_base`` encoding) at paragraph, line and sentence boundaries, including
Chinese and Japanese sentence punctuation.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
_SEPARATORS = ["\n\n", "\n", "。", "！", "？", ". ", "! ", "? ", "；", "; ", "，", ", ", " ", ""]
_TRAILING_SPACE = re.compile(r"[ \t]+\n")  # the header splitter joins lines with "  \n"
_LANG_TAG = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")


@dataclass(frozen=True)
class Chunk:
    text: str
    section: str
    position: int

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(f"{self.section}\n{self.text}".encode()).hexdigest()[:16]

    @property
    def index_text(self) -> str:
        return index_text(self.text, self.section)


def index_text(text: str, section: str | None) -> str:
    """What is embedded and keyword-indexed: the heading path gives a chunk its topic."""
    return f"{section}\n{text}" if section else text


@functools.lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    from assistant.llm.tokens import OFFLINE_ENCODING

    return tiktoken.get_encoding(OFFLINE_ENCODING)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


class Chunker:
    def __init__(self, chunk_tokens: int = 300, overlap: int = 30):
        try:
            from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter
        except ImportError as exc:
            from assistant.errors import MissingDependencyError

            raise MissingDependencyError("langchain-text-splitters", "knowledge", "guideline ingestion") from exc

        self.chunk_tokens = chunk_tokens
        self.signature = f"chunker-v1/{chunk_tokens}/{overlap}\n"
        self._headers = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True)
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_tokens, chunk_overlap=min(overlap, chunk_tokens // 2),
            length_function=count_tokens, separators=_SEPARATORS, keep_separator="end",
        )

    def split(self, text: str) -> list[Chunk]:
        chunks: list[Chunk] = []
        for doc in self._headers.split_text(text):
            section = " > ".join(doc.metadata[key] for _, key in _HEADERS if doc.metadata.get(key))
            for piece in self._splitter.split_text(doc.page_content):
                piece = _TRAILING_SPACE.sub("\n", piece).strip()
                if piece:
                    chunks.append(Chunk(text=piece, section=section, position=len(chunks)))
        return chunks


def lang_hint(parts: tuple[str, ...]) -> str | None:
    """A language named by the path: ``zh/claims.md``, ``claims.zh.md`` or ``claims_zh-Hans.md``."""
    *folders, name = parts
    bits = re.split(r"[._]", name)
    candidates = ([bits[-2]] if len(bits) > 2 else []) + list(reversed(folders))
    for bit in candidates:
        if _LANG_TAG.match(bit) and base_lang(bit) in _KNOWN_LANGS:
            return base_lang(bit)
    return None


def base_lang(code: str | None) -> str | None:
    """``zh-Hans`` -> ``zh``, ``en_US`` -> ``en``: chunks and filters compare base languages."""
    if not code:
        return None
    return re.split(r"[-_]", code.strip())[0].lower() or None


def detect_lang(text: str) -> str:
    import py3langid

    lang, _ = py3langid.classify(text[:2000])
    return base_lang(lang) or "und"


_KNOWN_LANGS = {"en", "zh", "ja", "ko", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "ar", "tr", "vi",
                "th", "id", "ms", "sv", "da", "nb", "fi", "cs", "he", "hi", "uk"}
