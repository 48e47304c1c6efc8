"""Prompts for base models (the packaged Gemma 3 270M has no chat template and no instruction tuning).

A base model continues text; it does not follow instructions. So the local provider is sent a
completion prompt instead of the chat prompt, shaped like a translation: an instruction line in the
target language, then few-shot examples (``assistant/generation/fewshot.py``), each the product facts
(English) under ``English:`` and the copy under the language's name (``Deutsch:``), one labelled value
per field; then the real product, and the model writes its fields one by one (``llm/fieldwise.py``).
Grammars built from the same schema keep every value valid; for languages whose labels say
``script: cjk`` they also keep Latin letters out of the prose except in brand names, the product's
acronyms and units after a number (``completion_schema``). Without that prompt shape the 270M model copies the English facts.

In a language other than the facts', the words of the product's name that would stay untranslated
(``Water``, ``Bottle``) cannot be written (``name_ban``; the words are single tokens), and when the
example products have a name in the language, a name line follows the facts (the real product's from
the brand glossary: ``Bambuu Insulated Trinkflasche 750 ml``).

The revise round gets the same prompt plus a line of the phrases the checker flagged (a variant: the
openings of the variants it must differ from, so its prompt and its copy differ); prompts without
examples (shorten, translate) are sent as plain text: never chat markup the model has not seen. A
revision keeps the fields without error findings as they are and writes only the flagged ones
(``assistant/generation/revise.py``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any, Callable, Iterable

import yaml
from pydantic import BaseModel, ConfigDict

from assistant.compliance.field_language import kept_names, untranslated_name
from assistant.compliance.grounding import facts_text
from assistant.compliance.repeats import TERM_FIELDS, texts_of
from assistant.compliance.models import Finding
from assistant.generation.brief import Request
from assistant.generation.fewshot import FEWSHOT_DIR, Shots, shots_for
from assistant.llm.prompts import PromptFile
from assistant.generation.terms import glossary_pairs, texts
from assistant.llm.fieldwise import BAN_KEY, FIELDS_KEY, KEEP_KEY, SEEN_KEY
from assistant.llm.script_grammar import SCRIPT_KEY

# True: the model writes one labelled value per field (assistant/llm/fieldwise.py); False: one JSON object
# after JSON-shaped examples. Field by field won the measurement (README, evals/sample_generation.py).
FIELDWISE = True
AVOID_CHARS = 80  # of each earlier variant, on the avoid line


def input_block(shots: Shots, product_lines: str, context: str | None, avoid: str | None) -> str:
    parts = [f"{shots.labels.product}:\n{product_lines}"]
    if context:
        parts.append(f"{shots.labels.context}:\n{context}")
    if avoid:
        parts.append(f"{shots.labels.avoid}: {avoid}")
    return "\n".join(parts) + "\n"


def field_lines(shots: Shots, output: dict[str, Any]) -> str:
    """An example's output as the model writes it field by field: ``label: JSON value`` per line."""
    return "".join(f"{shots.field_label(k)}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in output.items())


def localized_name(req: Request) -> str | None:
    """The product's name with the brand glossary's terms for the language put in (``cutting board`` ->
    ``Schneidebrett``); ``None`` when the glossary changes nothing."""
    name = req.product.name
    for source, target in sorted(glossary_pairs(req.brand, "en", req.language.code).items(), key=lambda p: -len(p[0])):
        name = re.sub(rf"(?i)(?<!\w){re.escape(source)}(?!\w)", target, name)
    return name if name != req.product.name else None


def render_fewshot(req: Request, variables: dict[str, str], *, avoid: str | None = None) -> str:
    """The completion prompt for ``req``'s kind in its language, shaped like a translation: the facts
    (English) under one label, the copy under the language's name. When the example products have a
    name in the language (``names`` in products.yaml), each input ends with a name line in the language,
    the real product's from the brand glossary. Field by field (``FIELDWISE``) it ends there and the
    model writes one labelled value at a time; otherwise the JSON object follows."""
    shots = shots_for(req.kind.name, req.language.code)
    lang = req.language.code
    head = f"{shots.labels.output}:\n"
    name_label = f"Name ({shots.labels.output})"
    named = all(lang in product.names for product, _ in shots.examples) and shots.examples
    blocks = [shots.instruction.strip() + "\n"]
    for product, output in shots.examples:
        lines = [*product.fact_lines(), *([f"{name_label}: {product.names[lang]}"] if named else [])]
        block = input_block(shots, "\n".join(lines), product.contexts.get(req.kind.context or ""), None)
        blocks.append(block + head + (field_lines(shots, output) if FIELDWISE
                                      else json.dumps(output, ensure_ascii=False) + "\n"))
    own = localized_name(req) if named else None
    facts = variables["product"] + (f"\n{name_label}: {own}" if own else "")
    blocks.append(input_block(shots, facts, variables.get("context") or None, avoid) + head)
    return "\n".join(blocks)


def uses_examples(prompt: PromptFile, req: Request) -> bool:
    """A native draft of the kind or its revision (not a translation, not the shortening call)."""
    return (prompt.name == req.kind.prompt and req.source is None) or prompt.name == "revise"


def completion_renderer(prompt: PromptFile, req: Request) -> Callable[[dict[str, str]], str]:
    """How a call with ``prompt`` for ``req`` is rendered for a base model."""
    if uses_examples(prompt, req):
        revising = prompt.name == "revise"
        earlier = [text[:AVOID_CHARS] for text in req.avoid]  # a variant must differ from the kept ones

        def render(variables: dict[str, str]) -> str:
            avoid = [variables.get("avoid", "") if revising else "", *earlier]
            return render_fewshot(req, variables, avoid="; ".join(a for a in avoid if a) or None)

        return render
    return lambda variables: prompt.render(**{k: variables[k] for k in prompt.variables}) + "\n\nJSON:\n"


@cache
def latin_units() -> tuple[str, ...]:
    return tuple(yaml.safe_load((FEWSHOT_DIR / "script.yaml").read_text("utf-8"))["latin_units"])


_ACRONYM = re.compile(r"(?<![\w-])(?=(?:[\w-]*[A-Z]){2})[A-Za-z0-9][A-Za-z0-9-]*(?![\w-])")


def latin_terms(req: Request) -> list[str]:
    """Latin words a CJK string may hold: the brand's and the product's brand and product-line names,
    and the words of the product's facts with two or more capitals (FSC, USB-C, RoHS, CoreHeat)."""
    product = req.product
    facts = " ".join([product.name, *product.facts.values(), *product.features])
    names: Iterable[str | None] = [req.brand.name, product.brand, *req.brand.do_not_translate,
                                   *_ACRONYM.findall(facts)]
    return sorted({n for n in names if n}, key=len, reverse=True)


def name_ban(req: Request, ban: Iterable[str] = ()) -> list[str]:
    """``ban`` plus the words of the product's name that copy in the request's language would leave
    untranslated (the 270M model copies the English name into a German title otherwise; the checker
    flags that, ``assistant/compliance/field_language.py``)."""
    product = req.product
    source = facts_text(product.facts, [product.name, product.description or "", *product.features])
    names = [*kept_names(req.brand, req.language.code), product.brand or ""]
    return list(dict.fromkeys([*ban, *untranslated_name(product.name, req.language, names, source)]))


def example_copy(shots: Shots) -> list[str]:
    """The copy of the few-shot examples (the texts of their prose fields): a field that repeats one
    word for word is written again (``assistant/llm/fieldwise.py``)."""
    return [t for _, output in shots.examples for k, v in output.items() if k not in TERM_FIELDS for t in texts_of(v)]


def completion_schema(schema: type[BaseModel], req: Request, free: Iterable[str], *,
                      fieldwise: bool, keep: dict[str, Any] | None = None,
                      ban: Iterable[str] = ()) -> type[BaseModel]:
    """``schema`` with what the local model reads besides the JSON schema: the script constraint for the
    language (the ``free`` fields, URL handles and enums, keep any character) and, ``fieldwise``, the
    field labels that make it write field by field (``assistant/llm/fieldwise.py``) and the fields it
    is given as they are (``keep``: a revision rewrites only the fields the checker flagged) and the words
    it must not write again (``ban``: left untranslated in the flagged fields)."""
    shots = shots_for(req.kind.name, req.language.code)
    additions: dict[str, Any] = {}
    if shots.labels.script == "cjk":
        additions[SCRIPT_KEY] = {"script": "cjk", "latin": latin_terms(req), "units": list(latin_units()),
                                 "free": sorted(free)}
    if fieldwise and FIELDWISE:
        additions[FIELDS_KEY] = {name: shots.field_label(name) for name in schema.model_fields}
        if keep:
            additions[KEEP_KEY] = {k: v for k, v in keep.items() if k in schema.model_fields}
        if ban:
            additions[BAN_KEY] = list(ban)
        additions[SEEN_KEY] = example_copy(shots)
    if not additions:
        return schema
    parent = schema.model_config.get("json_schema_extra")

    def extra(js: dict[str, Any]) -> None:
        if callable(parent):
            parent(js)
        js.update(additions)

    config = ConfigDict(**{**schema.model_config, "json_schema_extra": extra})
    return type(schema.__name__, (schema,), {"model_config": config, "__module__": schema.__module__})


def example_fact_findings(req: Request, fields: dict[str, Any], skip: Iterable[str]) -> list[Finding]:
    """An error finding for every fact of a few-shot example product (its ``leak_terms``) in the copy
    that this product's own facts do not state, in every field that holds it (a revision rewrites the
    fields findings name): a base model copies from its examples."""
    own = " ".join([req.product.name, *req.product.features, *req.product.facts.values(),
                    req.product.description or ""]).lower()
    prose = {k: v for k, v in fields.items() if k not in set(skip)}
    found = []
    for product, _ in shots_for(req.kind.name, req.language.code).examples:
        for term in product.leak_terms:
            if term.lower() in own:
                continue
            for name, value in prose.items():
                if any(term.lower() in text.lower() for text in texts({name: value})):
                    found.append(Finding(
                        category="unsupported_claim", rule_id="generation.example_fact", severity="error",
                        start=0, end=0, field=name, matched=term, source="prompts/fewshot/products.yaml",
                        message=f"'{term}' comes from the example product '{product.name}', not from this product",
                        suggestion=f"Remove '{term}' or replace it with a fact of this product"))
    return found
