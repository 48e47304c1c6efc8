"""The brand kit model and its YAML loader (errors name the file and line)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import InputError


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
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="folder name under knowledge/")
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

    def prompt_block(self) -> str:
        """The brand essentials that go into every generation prompt."""
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
        return "\n".join(lines)


def load_brand_kit(path: str | Path) -> BrandKit:
    path = Path(path)
    if not path.exists():
        raise InputError("brand kit not found", where=str(path), fix="check the path or the brand id")
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(f"not valid YAML: {exc}", where=where) from exc
    if not isinstance(data, dict):
        raise InputError("a brand kit must be a YAML mapping", where=str(path))
    data.setdefault("id", path.parent.name)
    try:
        return BrandKit.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        line = _line_of(node, err["loc"])
        field = ".".join(str(p) for p in err["loc"])
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise InputError(f"field '{field}': {msg}", where=f"{path}:{line}" if line else str(path)) from exc


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
