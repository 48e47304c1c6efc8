"""Prompt templates are files in ``prompts/``: a name, a version, declared variables, messages.

The loader refuses a template whose placeholders differ from its declared variables, so a typo
in a prompt fails at load time, not as a silently empty hole in what the model sees.
"""

from __future__ import annotations

import string
from pathlib import Path

import yaml
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import ConfigError, NotFoundError


class PromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: int = Field(ge=1)
    description: str = ""
    variables: list[str]
    system: str
    user: str

    def placeholders(self) -> set[str]:
        found = set()
        for template in (self.system, self.user):
            for _, field, _, _ in string.Formatter().parse(template):
                if field is not None:
                    found.add(field)
        return found

    def chat_template(self) -> ChatPromptTemplate:
        return ChatPromptTemplate.from_messages([("system", self.system), ("human", self.user)])

    def render(self, **variables: str) -> str:
        """The prompt as plain text (for token counting and the audit trail)."""
        return "\n\n".join(m.content for m in self.chat_template().format_messages(**variables))


class PromptLibrary:
    def __init__(self, directory: Path):
        self.directory = directory
        self._cache: dict[str, PromptFile] = {}

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.yaml"))

    def get(self, name: str) -> PromptFile:
        if name not in self._cache:
            self._cache[name] = self._load(name)
        return self._cache[name]

    def _load(self, name: str) -> PromptFile:
        path = self.directory / f"{name}.yaml"
        if not path.exists():
            raise NotFoundError(
                f"no prompt named '{name}'", where=str(self.directory), fix=f"available: {', '.join(self.names())}"
            )
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            prompt = PromptFile.model_validate(data)
        except yaml.YAMLError as exc:
            raise ConfigError(f"not valid YAML: {exc}", where=str(path)) from exc
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(
                f"key '{'.'.join(map(str, err['loc']))}': {err['msg']}", where=str(path)
            ) from exc
        if prompt.name != name:
            raise ConfigError(f"declares name '{prompt.name}' but the file is named '{name}'", where=str(path))
        declared, used = set(prompt.variables), prompt.placeholders()
        if declared != used:
            problems = []
            if used - declared:
                problems.append(f"undeclared placeholders {sorted(used - declared)}")
            if declared - used:
                problems.append(f"declared but unused variables {sorted(declared - used)}")
            raise ConfigError(
                "; ".join(problems),
                where=str(path),
                fix="make `variables:` list exactly the {placeholders} used (write literal braces as {{ }})",
            )
        return prompt
