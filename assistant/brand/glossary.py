"""Brand glossaries per language pair, with DeepL glossary CSV and TBX import/export.

DeepL CSV: one entry per line, no header, ``source,target`` optionally followed by
``source_lang,target_lang`` (RFC 4180 quoting). TBX: TBX-Basic in the TBX v3 layout
(``conceptEntry/langSec/termSec/term``); TBX v2 files (``termEntry/langSet/tig/term``) are read too.
Errors name the file and the row or element.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.errors import InputError

_LANG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class GlossaryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str = Field(min_length=1, max_length=1024)
    target: str = Field(min_length=1, max_length=1024)
    note: str | None = None


class Glossary(BaseModel):
    """Preferred translations from ``source_lang`` to ``target_lang`` (one direction, as in DeepL)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source_lang: str = Field(pattern=_LANG)
    target_lang: str = Field(pattern=_LANG)
    entries: list[GlossaryEntry] = Field(default_factory=list)

    @field_validator("source_lang", "target_lang")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()

    @property
    def pair(self) -> str:
        return f"{self.source_lang}-{self.target_lang}"


def _base(lang: str) -> str:
    return re.split(r"[-_]", lang)[0].lower()


def find_glossary(glossaries: list[Glossary], source_lang: str, target_lang: str) -> Glossary | None:
    """The glossary for a pair; ``zh-Hans`` matches ``zh`` and the other way round."""
    for g in glossaries:
        if _base(g.source_lang) == _base(source_lang) and _base(g.target_lang) == _base(target_lang):
            return g
    return None


def expansions(glossaries: list[Glossary], text: str) -> list[str]:
    """Other-language terms of every glossary entry found in ``text`` (both directions)."""
    lowered = text.lower()
    out: list[str] = []
    for g in glossaries:
        for e in g.entries:
            for found, other in ((e.source, e.target), (e.target, e.source)):
                if _contains(lowered, found.lower()) and other not in out:
                    out.append(other)
    return out


def _contains(text: str, term: str) -> bool:
    if not term.isascii():
        return term in text
    return re.search(rf"(?<![\w]){re.escape(term)}(?![\w])", text) is not None


# --- DeepL CSV ------------------------------------------------------------------------------------
def read_deepl_csv(path: Path, source_lang: str | None = None, target_lang: str | None = None) -> Glossary:
    """Read a DeepL glossary CSV. Languages come from the optional 3rd/4th columns, the arguments,
    or a file name such as ``en-zh.csv``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the glossary: {exc}", where=str(path), fix="save it as UTF-8 CSV") from None
    if source_lang is None and target_lang is None:
        m = re.fullmatch(r"([A-Za-z]{2,3}(?:-[A-Za-z]+)?)[-_]([A-Za-z]{2,3}(?:-[A-Za-z]+)?)", path.stem)
        source_lang, target_lang = (m.group(1), m.group(2)) if m else (None, None)
    entries, seen = [], {}
    for row_no, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or all(not c.strip() for c in row):
            continue
        where = f"{path}:{row_no}"
        if len(row) not in (2, 4):
            raise InputError(f"expected 2 or 4 columns (source,target[,source_lang,target_lang]), got {len(row)}",
                             where=where, fix="quote terms that contain commas")
        src, tgt = row[0].strip(), row[1].strip()
        if not src or not tgt:
            raise InputError("empty source or target term", where=where, fix="fill both terms or delete the row")
        if len(row) == 4:
            row_src, row_tgt = row[2].strip().lower(), row[3].strip().lower()
            if source_lang and (_base(row_src), _base(row_tgt)) != (_base(source_lang), _base(target_lang or "")):
                raise InputError(f"language pair {row_src}-{row_tgt} differs from {source_lang}-{target_lang}",
                                 where=where, fix="one glossary file holds one language pair")
            source_lang, target_lang = source_lang or row_src, target_lang or row_tgt
        if src in seen:
            raise InputError(f"'{src}' is already defined on row {seen[src]}", where=where,
                             fix="DeepL allows one target per source term; keep one row")
        seen[src] = row_no
        entries.append(GlossaryEntry(source=src, target=tgt))
    if not source_lang or not target_lang:
        raise InputError("the glossary's language pair is unknown", where=str(path),
                         fix="add source_lang,target_lang columns, name the file like en-zh.csv, or pass --pair")
    return Glossary(source_lang=source_lang, target_lang=target_lang, entries=entries)


def write_deepl_csv(glossary: Glossary, path: Path | None = None) -> str:
    """DeepL CSV with the language columns; written to ``path`` when given, always returned."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for e in glossary.entries:
        writer.writerow([e.source, e.target, glossary.source_lang, glossary.target_lang])
    if path is not None:
        Path(path).write_text(buf.getvalue(), encoding="utf-8")
    return buf.getvalue()


# --- TBX ------------------------------------------------------------------------------------------
def write_tbx(glossaries: list[Glossary], path: Path | None = None, *, title: str = "Brand glossary") -> str:
    """TBX-Basic (TBX v3, DCA style): one concept per source term, a language section per language."""
    if not glossaries:
        raise InputError("no glossary entries to export", fix="add a glossary to the brand kit first")
    source_lang = glossaries[0].source_lang
    import xml.etree.ElementTree as ET  # noqa: N817 (only TBX files need it: spares start-up)

    root = ET.Element("tbx", {"type": "TBX-Basic", "style": "dca", XML_LANG: source_lang, "xmlns": TBX_NS})
    desc = ET.SubElement(ET.SubElement(ET.SubElement(root, "tbxHeader"), "fileDesc"), "sourceDesc")
    ET.SubElement(desc, "p").text = title
    body = ET.SubElement(ET.SubElement(root, "text"), "body")
    concepts: dict[str, dict[str, str]] = {}
    for g in glossaries:
        for e in g.entries:
            concepts.setdefault(e.source, {g.source_lang: e.source})[g.target_lang] = e.target
    for n, terms in enumerate(concepts.values(), 1):
        entry = ET.SubElement(body, "conceptEntry", {"id": f"c{n}"})
        for lang, term in terms.items():
            term_sec = ET.SubElement(ET.SubElement(entry, "langSec", {XML_LANG: lang}), "termSec")
            ET.SubElement(term_sec, "term").text = term
    ET.indent(root)
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    if path is not None:
        Path(path).write_text(xml, encoding="utf-8")
    return xml


def read_tbx(path: Path, source_lang: str | None = None) -> list[Glossary]:
    """One glossary per target language: from ``source_lang`` (default: the file's xml:lang) to
    every other language of its concepts."""
    import xml.etree.ElementTree as ET  # noqa: N817
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise InputError(f"not a readable TBX/XML file: {exc}", where=str(path), fix="check the XML") from None
    concepts = [el for el in root.iter() if _local(el.tag) in {"conceptEntry", "termEntry"}]
    if not concepts:
        raise InputError("no conceptEntry (TBX v3) or termEntry (TBX v2) elements", where=str(path),
                         fix="export the termbase as TBX-Basic")
    source_lang = (source_lang or root.get(XML_LANG) or "").lower()
    table: list[dict[str, str]] = []
    for n, concept in enumerate(concepts, 1):
        terms = {}
        for sec in concept:
            if _local(sec.tag) in {"langSec", "langSet"}:
                lang = (sec.get(XML_LANG) or "").lower()
                term = next((t.text for t in sec.iter() if _local(t.tag) == "term" and t.text), None)
                if not lang or not term:
                    raise InputError(f"concept #{n} has a language section without xml:lang or term",
                                     where=f"{path} (concept {concept.get('id') or n})", fix="fix the entry")
                terms.setdefault(lang, term.strip())
        table.append(terms)
    if not source_lang:
        source_lang = next(iter(table[0]), "")
    targets = sorted({lang for terms in table for lang in terms if _base(lang) != _base(source_lang)})
    out = []
    for target in targets:
        entries = [GlossaryEntry(source=t[s], target=t[target]) for t in table if target in t
                   for s in [k for k in t if _base(k) == _base(source_lang)][:1]]
        out.append(Glossary(source_lang=source_lang, target_lang=target, entries=entries))
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- files in a brand folder ----------------------------------------------------------------------
def import_glossary(file: Path, glossary_dir: Path | Callable[[], Path], pair: str | None = None) -> list[Path]:
    """Validate a DeepL CSV or TBX file and store it as ``<glossary_dir>/<src>-<tgt>.csv`` (a callable
    ``glossary_dir`` is asked only once the file is valid)."""
    file = Path(file)
    src, tgt = _split_pair(pair) if pair else (None, None)
    if file.suffix.lower() == ".tbx":
        glossaries = [g for g in read_tbx(file, src) if tgt is None or _base(g.target_lang) == _base(tgt)]
    elif file.suffix.lower() in {".csv", ".tsv"}:
        glossaries = [read_deepl_csv(file, src, tgt)]
    else:
        raise InputError(f"unsupported glossary format '{file.suffix}'", where=str(file), fix="use .csv (DeepL) or .tbx")
    if not glossaries or not any(g.entries for g in glossaries):
        raise InputError("the file has no glossary entries" + (f" for {pair}" if pair else ""), where=str(file))
    glossary_dir = glossary_dir() if callable(glossary_dir) else glossary_dir
    glossary_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for g in glossaries:
        out = glossary_dir / f"{g.pair}.csv"
        write_deepl_csv(g, out)
        written.append(out)
    return written


def export_glossary(glossaries: list[Glossary], fmt: str, pair: str | None = None) -> str:
    """One pair as DeepL CSV, or the chosen pair(s) as TBX (all pairs from one source language)."""
    chosen = glossaries
    if pair:
        src, tgt = _split_pair(pair)
        found = find_glossary(glossaries, src, tgt)
        chosen = [found] if found else []
    if not chosen:
        have = ", ".join(g.pair for g in glossaries) or "none"
        raise InputError(f"no glossary for {pair or 'this brand'}", where="--pair", fix=f"pairs in the brand kit: {have}")
    if fmt == "tbx":
        return write_tbx([g for g in chosen if g.source_lang == chosen[0].source_lang])
    if fmt == "csv":
        if len(chosen) > 1:
            raise InputError("DeepL CSV holds one language pair", where="--pair",
                             fix=f"choose one of: {', '.join(g.pair for g in chosen)}")
        return write_deepl_csv(chosen[0])
    raise InputError(f"unknown glossary format '{fmt}'", where="--format", fix="use csv or tbx")


def _split_pair(pair: str) -> tuple[str, str]:
    parts = re.split(r"[:>]|(?<=[a-z])-(?=[a-z]{2,3}(?:-|$))", pair.strip(), maxsplit=1)
    if len(parts) != 2 or not all(re.fullmatch(_LANG, p) for p in parts):
        raise InputError(f"not a language pair: '{pair}'", where="--pair", fix="write it like en-zh or en:zh-Hans")
    return parts[0].lower(), parts[1].lower()
