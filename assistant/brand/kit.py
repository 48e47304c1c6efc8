"""The brand kit model and its YAML loader (errors name the file and line)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.brand.glossary import Glossary, expansions, find_glossary, read_deepl_csv, read_tbx
from assistant.errors import InputError

GLOSSARY_DIR = "glossary"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Voice(_Strict):
    tone: list[str] = Field(default_factory=list, description="adjectives, e.g. warm, precise")
    do: list[str] = Field(default_factory=list)
    dont: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list, description="sentences in the brand voice")


class BannedTerm(_Strict):
    term: str
    lang: str = "en"
    replacement: str | None = None
    reason: str | None = None


class LegalFooter(_Strict):
    company: str
    postal_address: str
    unsubscribe: str = "Unsubscribe: {{unsubscribe_url}}"
    contact_email: str | None = None


class BrandKit(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="folder name under brands_dir (or the packaged samples)")
    name: str
    positioning: str = ""
    audience: str = ""
    voice: Voice = Field(default_factory=Voice)
    banned_terms: list[BannedTerm] = Field(default_factory=list)
    required_terms: list[str] = Field(default_factory=list)
    do_not_translate: list[str] = Field(default_factory=list)
    legal_footer: LegalFooter | None = None
    disclaimers: list[str] = Field(default_factory=list)
    markets: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    emoji_policy: str = Field(default="sparingly", pattern=r"^(none|sparingly|free)$")
    glossary: list[Glossary] = Field(
        default_factory=list,
        description="preferred translations per language pair; files in glossary/ (DeepL CSV, TBX) are added",
    )

    def glossary_for(self, source_lang: str, target_lang: str) -> Glossary | None:
        return find_glossary(self.glossary, source_lang, target_lang)

    def expand_query(self, query: str) -> str:
        """``query`` plus the other-language glossary terms it mentions (for cross-language search)."""
        extra = expansions(self.glossary, query)
        return f"{query} {' '.join(extra)}" if extra else query

    def prompt_block(self, lang: str | None = None) -> str:
        """The brand essentials that go into every generation prompt; with ``lang``, also the banned
        terms and glossary for that language."""
        lines = [f"Brand: {self.name}"]
        if self.positioning:
            lines.append(f"Positioning: {self.positioning}")
        if self.audience:
            lines.append(f"Audience: {self.audience}")
        if self.voice.tone:
            lines.append("Voice: " + ", ".join(self.voice.tone))
        lines += [f"Do: {d}" for d in self.voice.do]
        lines += [f"Don't: {d}" for d in self.voice.dont]
        if self.do_not_translate:
            lines.append("Never translate these names: " + ", ".join(self.do_not_translate))
        if lang:
            base = lang.split("-")[0].lower()
            for b in self.banned_terms:
                if b.lang.split("-")[0].lower() == base:
                    lines.append(f"Never write '{b.term}'" + (f"; write '{b.replacement}'" if b.replacement else ""))
            for g in self.glossary:
                if g.target_lang.split("-")[0] == base:
                    lines += [f"Translate '{e.source}' as '{e.target}'" for e in g.entries]
        return "\n".join(lines)


BRAND_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")


def check_brand_id(brand_id: str, where: str = "--brand") -> str:
    """A brand id is a folder name under ``brands_dir``: no path separators, dots or '..'."""
    if not BRAND_ID.fullmatch(brand_id):
        raise InputError(f"invalid brand id '{brand_id}'", where=where,
                         fix="use the brand's folder name under brands_dir (lower-case letters, digits, '-', '_')")
    return brand_id


def load_brand_kit(path: str | Path) -> BrandKit:
    path = Path(path)
    if not path.exists():
        raise InputError("brand kit not found", where=str(path), fix="check the path or the brand id")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc}", where=str(path)) from exc
    return parse_brand_kit(text, path)


def save_brand_kit(path: str | Path, text: str) -> BrandKit:
    """Validate ``text`` as the kit stored at ``path`` (the same checks and line numbers as loading),
    then replace the file atomically. Invalid text changes nothing."""
    path = Path(path)
    kit = parse_brand_kit(text, path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return kit


def parse_brand_kit(text: str, path: Path) -> BrandKit:
    """The kit in ``text``; ``path`` names it in errors and locates its folder (id, glossary files)."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(f"not valid YAML: {exc}", where=where) from exc
    if not isinstance(data, dict):
        raise InputError("a brand kit must be a YAML mapping", where=str(path))
    data.setdefault("id", path.parent.name)
    try:
        kit = BrandKit.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        line = _line_of(node, err["loc"])
        field = ".".join(str(p) for p in err["loc"])
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise InputError(f"field '{field}': {msg}", where=f"{path}:{line}" if line else str(path)) from exc
    kit.glossary = merge_glossaries(kit.glossary + _glossary_files(path.parent / GLOSSARY_DIR))
    return kit


def _glossary_files(folder: Path) -> list[Glossary]:
    """``glossary/*.csv`` (DeepL CSV, pair from columns or a name like en-zh.csv) and ``*.tbx``."""
    out: list[Glossary] = []
    if folder.is_dir():
        for file in sorted(folder.iterdir()):
            if file.suffix.lower() == ".csv":
                out.append(read_deepl_csv(file))
            elif file.suffix.lower() == ".tbx":
                out.extend(read_tbx(file))
    return out


def merge_glossaries(glossaries: list[Glossary]) -> list[Glossary]:
    """One glossary per pair; for a source term defined twice, the first definition wins."""
    merged: dict[str, Glossary] = {}
    for g in glossaries:
        into = merged.setdefault(g.pair, Glossary(source_lang=g.source_lang, target_lang=g.target_lang))
        known = {e.source for e in into.entries}
        into.entries += [e for e in g.entries if e.source not in known]
    return list(merged.values())


def list_brands(knowledge_dir: Path) -> list[str]:
    """Brand ids: folders under ``knowledge_dir`` that hold a ``brand.yaml``."""
    return sorted(p.parent.name for p in Path(knowledge_dir).glob("*/brand.yaml"))


def _line_of(node, loc) -> int | None:
    """1-based line of the YAML node at ``loc`` (or the deepest existing parent)."""
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line
