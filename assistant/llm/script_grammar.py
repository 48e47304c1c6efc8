"""Hold a JSON grammar's strings to a script: for Chinese and Japanese copy, Latin letters only inside
brand and product-line names, the product's acronyms (FSC, USB-C, LED) and units after a number.

Works on the GBNF that llama.cpp's JSON-schema converter writes: every string rule is built from the
shared ``char`` rule, so the string rules of prose fields are pointed at ``script-char`` instead. The
rules of ``free`` fields (URL handles, enum buttons, booleans) are left alone. A field's rules are
named after it (``url_handle`` -> ``url-handle``, ``url-handle-kv``, ``url-handle-item``).
"""

from __future__ import annotations

import json
import re

SCRIPT_KEY = "x-script"  # the JSON-schema extension that asks for the constraint
_CHAR = re.compile(r"(?<![\w-])char(?![\w-])")
_RULE = re.compile(r"^([\w-]+)\s*::=\s*(.*)$")


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a GBNF string literal: same escapes as JSON


def script_rules(latin: list[str], units: list[str]) -> str:
    """``script-char``: any character but a quote, a backslash, a control character or a Latin letter;
    or one of the ``latin`` names; or a digit followed by one of the ``units`` (units only after a
    number, so they cannot spell words: "B" + "in" + "s"); or an escape. No generic acronym rule:
    upper-case letters chained together spell any word ("MUSHROOM BOARD")."""
    terms = [_literal(t) for t in latin if t.strip()]
    unit_list = " | ".join(_literal(u) for u in units if u.strip())
    if unit_list:
        terms.append(f'[0-9] " "? ({unit_list})')
    rules = [r'script-char ::= [^"\\a-zA-Z\x00-\x1F] | "\\" ["\\/bfnrt]' + (" | latin-term" if terms else "")]
    if terms:
        rules.append("latin-term ::= " + " | ".join(terms))
    return "\n".join(rules)


def no_raw_controls(gbnf: str) -> str:
    """``gbnf`` whose strings hold no raw control characters (JSON forbids them; a raw newline lets a
    base model run on into a new prompt block inside a string). Line breaks stay possible as ``\\n``."""
    return gbnf.replace(r'char ::= [^"\\]', r'char ::= [^"\\\x00-\x1F]', 1)


def _is_free(rule: str, free: set[str]) -> bool:
    return any(rule == name or rule.startswith(name + "-") for name in free)


def constrain_script(gbnf: str, latin: list[str], free: list[str], units: list[str] = ()) -> str:
    """``gbnf`` with the string rules of every field but ``free`` ones using ``script-char``."""
    free_rules = {name.replace("_", "-") for name in free}
    out = []
    for line in gbnf.splitlines():
        match = _RULE.match(line)
        if match and match.group(1) != "char" and not _is_free(match.group(1), free_rules):
            line = f"{match.group(1)} ::= {_CHAR.sub('script-char', match.group(2))}"
        out.append(line)
    return "\n".join(out) + "\n" + script_rules(latin, list(units)) + "\n"
