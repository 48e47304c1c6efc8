"""Field-by-field generation for base models: one short, grammar-held value per field.

A completion prompt that asks for fields (``x-fields`` in the JSON schema: the label of every field in
the target language) ends after the input block. Fields given in ``x-keep`` (a revision keeps the fields
the checker did not flag) are written first, as they are, so the model rewrites the others after copy
in the target language, and the words the checker found left untranslated in them (``x-ban``) cannot
be written again (a word that is one token gets a large negative logit bias). A field that comes out
as a repeat of earlier copy of the draft or of an example's copy (``x-seen``; see
``assistant/compliance/repeats.py``: the 270M model writes the product name into every field, or an
example's bullet word for word) is written again, up to ``REWRITES`` times, with the first token of the
repeat's opening word banned. For each other field in schema order the label is appended
(``Titel: ``) and the model writes that field's JSON value under a grammar built from the field's own
schema, so it stops when the value is complete. The value and a newline are appended and the next label
follows; llama.cpp re-reads only the new tokens each time (its prompt cache keeps the prefix). The
values are joined into the JSON object the schema describes, so the caller parses it as usual.

Measured against one JSON object per reply (evals/sample_generation.py, README): short values
in the target language, where the whole object made the 270M model copy the example or the facts.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from assistant.compliance.repeats import CJK, TERM_FIELDS, WORD, repeated, texts_of
from assistant.llm.script_grammar import SCRIPT_KEY, constrain_script, no_raw_controls

FIELDS_KEY = "x-fields"
KEEP_KEY = "x-keep"  # fields given, not generated (a revision of the fields the checker did not flag)
BAN_KEY = "x-ban"  # words the generated fields must not start again (left untranslated in the flagged fields)
SEEN_KEY = "x-seen"  # copy already in the prompt (the few-shot examples' outputs) that no field may repeat
BAN_BIAS = -100.0
FIELD_TOKENS = 320  # per field: a value that runs on is cut here (the draft then fails and is retried)
REWRITES = 2  # a field that repeats earlier copy (assistant/compliance/repeats.py) is written again up to this often
OPENING_LETTERS = 3  # "in" and "cm" of "36-47in (119cm)" are units, not an opening to ban; CJK counts twice


@lru_cache(maxsize=256)
def field_grammar(prop_json: str, script_json: str) -> Any:
    """The grammar of one field's JSON value (held to the script unless the field is free)."""
    from llama_cpp import LlamaGrammar  # type: ignore[import-not-found]
    from llama_cpp.llama_grammar import json_schema_to_gbnf  # type: ignore[import-not-found]

    # the label ends with ":"; the value may start with a space (the model's own " \"" token)
    gbnf = re.sub(r"^root ::= (.*)$", r'root ::= " "? (\1)', no_raw_controls(json_schema_to_gbnf(prop_json)),
                  count=1, flags=re.M)
    script = json.loads(script_json)
    if script:
        gbnf = constrain_script(gbnf, script.get("latin", []), [], script.get("units", []))
    return LlamaGrammar.from_string(gbnf, verbose=False)


def generate_fields(llama: Any, prompt: str, schema: dict[str, Any], options: dict[str, Any],
                    field_safe: Any) -> tuple[str, dict[str, int], str]:
    """``(json text, usage, finish reason)`` of the object, one field per completion call."""
    properties = schema.get("properties", {})
    kept = {k: v for k, v in (schema.get(KEEP_KEY) or {}).items() if k in properties}
    options = {**options, "max_tokens": min(options.get("max_tokens") or FIELD_TOKENS, FIELD_TOKENS)}
    sampler_bias = hasattr(llama, "token_bias")  # the grammar-first sampler (a logit_bias option turns it off)
    base = {**(markup_bias(llama) if sampler_bias else {}),  # thousands of ids: only where the bias costs nothing
            **(ban_bias(llama, tuple(schema[BAN_KEY])) if schema.get(BAN_KEY) else {})}

    def complete(document: str, grammar: Any, extra: dict[int, float]) -> dict[str, Any]:
        bias = {**base, **extra}
        if sampler_bias:
            llama.token_bias = bias
            return llama.create_completion(prompt=document, grammar=grammar, **options)
        return llama.create_completion(prompt=document, grammar=grammar, **options,
                                       **({"logit_bias": bias} if bias else {}))

    try:
        return _fields(llama, prompt, schema, kept, complete, field_safe)
    finally:
        if sampler_bias:
            llama.token_bias = {}


def _fields(llama: Any, prompt: str, schema: dict[str, Any], kept: dict[str, Any], complete: Any,
            field_safe: Any) -> tuple[str, dict[str, int], str]:
    labels: dict[str, str] = schema[FIELDS_KEY]
    script = schema.get(SCRIPT_KEY) or {}
    free = set(script.get("free", []))
    document = prompt.rstrip("\n") + "\n" + "".join(
        f"{labels.get(k, k)}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in kept.items())
    seen = [*schema.get(SEEN_KEY, []), *(t for k, v in kept.items() if k not in TERM_FIELDS for t in texts_of(v))]
    values: dict[str, Any] = {}
    usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    finish = "stop"
    for name, prop in schema.get("properties", {}).items():
        if name in kept:
            values[name] = kept[name]
            continue
        document += f"{labels.get(name, name)}:"
        held = {} if name in free else script
        grammar = field_grammar(json.dumps(field_safe(prop), sort_keys=True), json.dumps(held, sort_keys=True))
        extra: dict[int, float] = {}
        for attempt in range(REWRITES + 1):
            out = complete(document, grammar, extra)
            choice = out["choices"][0]
            text = choice.get("text") or ""
            for key in usage:
                usage[key] += int((out.get("usage") or {}).get(key, 0))
            try:
                value = json.loads(text.strip(), strict=False)
            except json.JSONDecodeError:  # cut off at max_tokens: the caller sees an invalid object
                return json.dumps(values, ensure_ascii=False)[:-1] + f', "{name}": {text.strip()}', usage, "length"
            copy = None if name in TERM_FIELDS else _repeat(texts_of(value), seen)
            ban = opening_bias(llama, copy) if copy is not None and attempt < REWRITES else {}
            if not ban.keys() - extra.keys():  # no repeat, or nothing new to ban: the same prompt, the same copy
                break
            extra.update(ban)  # written again without the opening it repeated
        if choice.get("finish_reason") == "length":
            finish = "length"
        values[name] = value
        if name not in TERM_FIELDS:
            seen += texts_of(value)
        document += text.rstrip() + "\n"
    return json.dumps(values, ensure_ascii=False), usage, finish


def _repeat(new: list[str], seen: list[str]) -> str | None:
    """The first of ``new`` that repeats an earlier text (of the draft, or of ``new`` itself)."""
    for i, text in enumerate(new):
        if repeated(text, [*seen, *new[:i]]) is not None:
            return text
    return None


def opening_bias(llama: Any, text: str) -> dict[int, float]:
    """A negative bias for the first token of ``text``'s first word of at least three letters (as it
    starts a string or follows a space, in its own, lower and capitalised spelling), whether or not the
    word is one token. A Chinese, Japanese or Korean character counts as two letters (a two-character
    word is a word; one character after a number is mostly a counter: 3件). Numbers and units are left
    alone: banning them would garble every figure."""
    word = next((w for w in WORD.findall(text) if len(w) + len(CJK.findall(w)) >= OPENING_LETTERS), None)
    if word is None:
        return {}
    bias: dict[int, float] = {}
    for spelling in {word, word.lower(), word.capitalize()}:
        for piece in (spelling, f" {spelling}", f"\"{spelling}"):
            tokens = llama.tokenize(piece.encode("utf-8"), add_bos=False, special=False)
            if tokens:
                bias[tokens[0]] = BAN_BIAS
    return bias


def markup_bias(llama: Any) -> dict[int, float]:
    """A negative bias for the model's markup tokens (control, user-defined and unused ones such as
    ``<start_of_image>``, ``<start_of_turn>``, ``<unused12>``), which are never copy: the grammar
    lets them through as the characters of their text, and after one the 270M model ran on into
    prompt-like text ("English: Product name: ..."). End-of-generation tokens and whitespace runs
    are left alone. Read once per model (about 0.1 s for Gemma's 262,144 tokens) and kept on it
    (the same dict each time: read it, do not change it)."""
    cached = getattr(llama, "_markup_bias", None)
    if cached is not None:
        return cached
    bias: dict[int, float] = {}
    try:
        import llama_cpp  # type: ignore[import-not-found]

        vocab = llama_cpp.llama_model_get_vocab(llama.model)
        markup = (llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED
                  | llama_cpp.LLAMA_TOKEN_ATTR_UNUSED)
        for token in range(llama.n_vocab()):
            if (llama_cpp.llama_vocab_get_attr(vocab, token) & markup
                    and not llama_cpp.llama_vocab_is_eog(vocab, token)
                    and llama.detokenize([token], special=True).strip()):
                bias[token] = BAN_BIAS
    except (ImportError, AttributeError, TypeError):  # a scripted model in tests: no vocabulary to read
        return {}
    llama._markup_bias = bias
    return bias


def ban_bias(llama: Any, words: tuple[str, ...]) -> dict[int, float]:
    """A negative logit bias for each word that is a single token, as it starts a string or follows a
    space, in its own, lower and capitalised spelling. A word of several tokens is left alone: its first
    piece starts words of the target language too (" Bamb" of "Bambus", " Lam" of "Lampe")."""
    bias: dict[int, float] = {}
    for word in words:
        for spelling in {word, word.lower(), word.capitalize()}:
            for text in (spelling, f" {spelling}"):
                tokens = llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
                if len(tokens) == 1:
                    bias[tokens[0]] = BAN_BIAS
    return bias
