"""Few-shot examples for base models (the packaged Gemma 3 270M), kept as data in ``prompts/fewshot/``:

- ``labels.yaml``: per language, the labels of a completion prompt (product, context, avoid, output)
  and whether the grammar holds its strings to its own script (``script: cjk``);
- ``products.yaml``: the example products, unlike any catalogue product so that facts copied from an
  example show up as unsupported claims (each lists its ``leak_terms`` for the sample eval);
- ``<kind>/<lang>.yaml``: an instruction line and examples (product key, optional context, output in
  the kind's schema, keys in schema order), validated when loaded.

A kind without examples in the requested language falls back to English examples (``Shots.fallback``);
the drafter notes that on the draft and ``coverage()`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.catalog import Product
from assistant.errors import ConfigError
from assistant.generation.kinds import KINDS, get_kind
from assistant.datafiles import prompts_dir

FEWSHOT_DIR = prompts_dir() / "fewshot"  # package data (prompts/fewshot/ in a source checkout)
FALLBACK_LANG = "en"


class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid")

    write: str  # the fallback instruction: "write in <language>"
    product: str
    context: str
    avoid: str
    output: str
    script: str | None = None  # "cjk": prose strings may hold Latin only in brand names, units, acronyms


class ExampleProduct(Product):
    leak_terms: list[str] = []
    contexts: dict[str, str] = {}
    names: dict[str, str] = {}  # the product's name per language (the prompt's name line)


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str
    output: dict[str, Any]


class ShotFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instruction: str
    fields: dict[str, str] = {}  # field name -> its label in the language (default: the name)
    examples: list[Example]


@dataclass
class Shots:
    """What a completion prompt for one kind and language is made of."""

    labels: Labels
    instruction: str
    examples: list[tuple[ExampleProduct, dict[str, Any]]] = field(default_factory=list)
    fallback: str | None = None  # the language whose examples stand in, when the requested one has none
    fields: dict[str, str] = field(default_factory=dict)

    def field_label(self, name: str) -> str:
        return self.fields.get(name) or name.replace("_", " ").capitalize()


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", where=str(path)) from exc


def _models(path: Path, model: type[BaseModel], what: str) -> dict[str, Any]:
    """``path``'s top-level mapping, each value validated as ``model``."""
    try:
        return {key: model.model_validate(value) for key, value in _read(path).items()}
    except ValidationError as exc:
        raise ConfigError(f"bad {what}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}", where=str(path)) from exc


@cache
def labels(directory: Path = FEWSHOT_DIR) -> dict[str, Labels]:
    return _models(directory / "labels.yaml", Labels, "labels")


@cache
def products(directory: Path = FEWSHOT_DIR) -> dict[str, ExampleProduct]:
    return _models(directory / "products.yaml", ExampleProduct, "example product")


@cache
def shot_file(kind: str, lang: str, directory: Path = FEWSHOT_DIR) -> ShotFile | None:
    """The examples of ``kind`` in ``lang``, each output checked against the kind's schema."""
    path = directory / kind / f"{lang}.yaml"
    if not path.exists():
        return None
    try:
        shots = ShotFile.model_validate(_read(path))
    except ValidationError as exc:
        raise ConfigError(f"key '{'.'.join(map(str, exc.errors()[0]['loc']))}': {exc.errors()[0]['msg']}",
                          where=str(path)) from exc
    spec, known = get_kind(kind), products(directory)
    unknown = set(shots.fields) - set(spec.schema_for(spec.default_platform).model_fields)
    if unknown:
        raise ConfigError(f"labels for fields the {kind} schema does not have: {sorted(unknown)}", where=str(path))
    for number, example in enumerate(shots.examples, start=1):
        where = f"{path} (example {number})"
        if example.product not in known:
            raise ConfigError(f"unknown example product '{example.product}'", where=where,
                              fix=f"use one of: {', '.join(known)} (prompts/fewshot/products.yaml)")
        schema = spec.schema_for(spec.default_platform)
        try:
            schema.model_validate(example.output)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(f"output does not fit the {kind} schema: {'.'.join(map(str, err['loc']))}: {err['msg']}",
                              where=where) from exc
        if list(example.output) != [k for k in schema.model_fields if k in example.output]:
            raise ConfigError("output keys are not in schema order (the grammar writes them in that order)",
                              where=where, fix=f"order them: {', '.join(schema.model_fields)}")
        if spec.context and spec.context not in known[example.product].contexts:
            raise ConfigError(f"example product '{example.product}' has no {spec.context} to answer", where=where)
    return shots


def shots_for(kind: str, lang: str, directory: Path = FEWSHOT_DIR) -> Shots:
    """The labels, instruction and examples for ``kind`` in ``lang`` (English examples if it has none)."""
    all_labels = labels(directory)
    own = all_labels.get(lang) or all_labels[FALLBACK_LANG]
    found = shot_file(kind, lang, directory)
    fallback = None
    if found is None:
        fallback = FALLBACK_LANG
        found = shot_file(kind, FALLBACK_LANG, directory)
    known = products(directory)
    examples = [(known[e.product], e.output) for e in found.examples] if found else []
    instruction = own.write if fallback else found.instruction  # type: ignore[union-attr]
    return Shots(labels=own, instruction=instruction, examples=examples, fallback=fallback,
                 fields=found.fields if found else {})


def coverage(languages: list[str], directory: Path = FEWSHOT_DIR) -> dict[str, list[str]]:
    """Per language, the kinds that have no examples of their own (they fall back to English)."""
    return {lang: [k for k in KINDS if not (directory / k / f"{lang}.yaml").exists()] for lang in languages}
