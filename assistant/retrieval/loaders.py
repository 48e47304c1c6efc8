"""Guideline files -> Markdown-like text whose ``#`` headings become section metadata.

Markdown and plain text are read as they are; HTML headings (h1-h6) and DOCX heading styles become
``#`` headings; PDF pages become ``# page N`` sections. Each failure is an ``IngestFileError`` that
names the file, so one bad file never stops the others.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from assistant.errors import InputError

SUPPORTED = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html",
             ".pdf": "pdf", ".docx": "docx"}


class IngestFileError(InputError):
    """One guideline file could not be read; the message says why and how to fix it."""


def load_text(path: Path, data: bytes | None = None) -> str:
    """The file as Markdown-like text. ``data`` lets callers pass bytes they already read."""
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise IngestFileError(f"unsupported file type '{path.suffix}'", where=str(path),
                              fix=f"use one of: {', '.join(sorted(SUPPORTED))}")
    data = path.read_bytes() if data is None else data
    if not data.strip():
        raise IngestFileError("the file is empty", where=str(path), fix="add text or delete the file")
    text = _READERS[kind](path, data)
    if not text.strip():
        raise IngestFileError("no text could be extracted", where=str(path),
                              fix="a scanned PDF needs OCR first; otherwise check the file has text")
    return text


def decode(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is reported, never guessed."""
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestFileError(
            f"not {encoding.upper()[:6]} text (undecodable byte at offset {exc.start})", where=str(path),
            fix="save the file as UTF-8 (e.g. a GBK or Shift-JIS file: re-save it as UTF-8)",
        ) from None
    if "\x00" in text:
        raise IngestFileError("binary data in a text file", where=str(path), fix="export it as plain text")
    return text


def _markdown(path: Path, data: bytes) -> str:
    return decode(path, data)


def _html(path: Path, data: bytes) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(path, data), "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav"]):
        tag.decompose()
    lines: list[str] = []
    blocks = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "blockquote", "pre", "dt", "dd"]
    for el in soup.find_all(blocks):
        if el.find_parent(["p", "li", "td", "th", "blockquote", "pre", "dd"]) is not None:
            continue  # text already taken with its enclosing block
        text = " ".join(el.get_text(" ", strip=True).split())
        if not text:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            lines.append(f"\n{'#' * int(el.name[1])} {text}\n")
        else:
            lines.append(("- " if el.name == "li" else "") + text)
    return "\n".join(lines)


def _pdf(path: Path, data: bytes) -> str:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings would repeat our error
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise IngestFileError("the PDF is encrypted", where=str(path), fix="export an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestFileError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestFileError(f"not a readable PDF ({type(exc).__name__}: {exc})", where=str(path),
                              fix="re-export the PDF, or save the text as .md/.docx") from None
    return "\n".join(f"# page {i}\n{text}\n" for i, text in enumerate(pages, 1) if text.strip())


def _docx(path: Path, data: bytes) -> str:
    import io

    try:
        from docx import Document
        from docx.opc.exceptions import PackageNotFoundError

        doc = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise IngestFileError(f"not a readable DOCX ({type(exc).__name__})", where=str(path),
                              fix="re-save it from Word/LibreOffice as .docx") from None
    lines: list[str] = []
    for para in doc.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        # Title is the document heading; "Heading N" sits one level below it
        level = 1 if style == "Title" else int(style[8:]) + 1 if style.startswith("Heading ") and style[8:].isdigit() else 0
        if level:
            lines.append(f"\n{'#' * min(level, 6)} {text}\n")
        else:
            lines.append(("- " if "List" in style else "") + text)
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


_READERS = {"markdown": _markdown, "text": _markdown, "html": _html, "pdf": _pdf, "docx": _docx}
