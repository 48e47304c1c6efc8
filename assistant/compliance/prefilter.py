"""Prefilters for regular expressions, read off the parsed pattern (``re._parser``).

Literal prefixes: strings one of which every match starts with.

Python's ``re`` tries a pattern such as ``\\b(?:cures?|treats?|...)`` at every position of the text
(a leading ``\\b`` hides the first characters from its own prefix scan), which makes a pattern rule
cost a full regex pass per document. When every match must start with one of a few literal
prefixes (``cure``, ``trea``, ...), the plan's anchor automaton finds where they occur in the same
pass that finds the anchors, and the rule's regex is tried only there (``re.Pattern.match`` at each
such position, in order, resuming after a match: exactly what ``finditer`` finds).

The prefixes are read off the parsed pattern (``re._parser``): literals, small character classes,
groups, alternatives and repeats are expanded; anything else (``\\d``, ``.``, lookarounds, flags)
ends a prefix. A pattern whose prefixes would be too short or too many gets none (``None``), and
its rule keeps the plain regex pass.

Locality (``is_local``): whether a pattern looks at nothing outside its match but word boundaries,
so that a match in one field is also a match in the fields joined by newlines (one search of the
whole document can then rule out every field at once).
"""

from __future__ import annotations

import functools
import re
import re._constants as sre_c  # the stdlib parser behind re.compile
import re._parser as sre_parse

LENGTH = 4  # expand prefixes up to this many characters
MIN_LENGTH = 3  # shorter prefixes occur too often to save anything
MAX_PREFIXES = 200
MAX_CLASS = 6  # a character class expands into at most this many alternatives

_ZERO_WIDTH = {sre_c.AT_BOUNDARY, sre_c.AT_NON_BOUNDARY}
_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT}


class _Stop(Exception):
    """The pattern has no usable literal prefixes."""


@functools.lru_cache(maxsize=512)
def literal_prefixes(pattern: str) -> tuple[str, ...] | None:
    """Prefixes (``MIN_LENGTH`` to ``LENGTH`` characters) one of which every match of ``pattern``
    (compiled without flags) starts with; ``None`` when there is no such small set."""
    try:
        found = _seq(sre_parse.parse(pattern))
    except (_Stop, re.error, RecursionError, TypeError, ValueError):  # an unfamiliar parse tree: no prefixes
        return None
    prefixes = {text for text, _ in found}
    if not prefixes or min(map(len, prefixes)) < MIN_LENGTH:
        return None
    return tuple(sorted(prefixes))


def _seq(items) -> list[tuple[str, bool]]:
    """(prefix, open) for a sequence: ``open`` when the whole sequence was literal so far, so the
    items that follow extend the prefix."""
    out = [("", True)]
    for op, av in items:
        if all(not is_open or len(text) >= LENGTH for text, is_open in out):
            break
        alternatives = _item(op, av)
        if alternatives is None:
            return [(text, False) for text, _ in out]
        grown = []
        for text, is_open in out:
            if not is_open or len(text) >= LENGTH:
                grown.append((text, False))
            else:
                grown += [(text + more, more_open) for more, more_open in alternatives]
        if len(grown) > MAX_PREFIXES:
            raise _Stop
        out = grown
    return [(text[:LENGTH], is_open and len(text) < LENGTH) for text, is_open in out]


def _item(op, av) -> list[tuple[str, bool]] | None:
    """(text, open) alternatives for one parsed item; ``None`` when it is not literal."""
    if op is sre_c.AT:
        return [("", True)] if av in _ZERO_WIDTH else None
    if op is sre_c.LITERAL:
        return [(chr(av), True)]
    if op is sre_c.IN:
        chars: list[str] = []
        for kind, value in av:
            if kind is sre_c.LITERAL:
                chars.append(chr(value))
            elif kind is sre_c.RANGE and value[1] - value[0] < MAX_CLASS:
                chars += [chr(c) for c in range(value[0], value[1] + 1)]
            else:
                return None
        return [(c, True) for c in chars] if len(chars) <= MAX_CLASS else None
    if op is sre_c.SUBPATTERN:
        _, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _seq(sub)
    if op is sre_c.ATOMIC_GROUP:
        return _seq(av)
    if op is sre_c.BRANCH:
        return [alt for sub in av[1] for alt in _seq(sub)]
    if op in _REPEATS:
        low, high, sub = av
        once = [(text, is_open and high == 1) for text, is_open in _seq(sub)]  # then more may follow
        return ([("", True)] if low == 0 else []) + once
    return None


_CONTEXT_OPS = {sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.GROUPREF_EXISTS}
_EDGES = {sre_c.AT_BEGINNING, sre_c.AT_BEGINNING_LINE, sre_c.AT_BEGINNING_STRING, sre_c.AT_END,
          sre_c.AT_END_LINE, sre_c.AT_END_STRING}


@functools.lru_cache(maxsize=512)
def _local(pattern: str) -> bool:
    def parts(av) -> list:
        if isinstance(av, sre_parse.SubPattern):
            return [av]
        if isinstance(av, (list, tuple)):
            return [x for sub in av if isinstance(sub, (list, tuple, sre_parse.SubPattern)) for x in parts(sub)]
        return []

    def ok(items) -> bool:
        for op, av in items:
            if op in _CONTEXT_OPS or (op is sre_c.AT and av in _EDGES):
                return False
            if not all(ok(sub) for sub in parts(av)):
                return False
        return True

    try:
        return ok(sre_parse.parse(pattern))
    except (re.error, RecursionError, TypeError, ValueError):  # an unfamiliar parse tree: not local
        return False


def is_local(patterns: list[str]) -> bool:
    """Whether a match of these patterns in one field is also a match in the fields joined by
    newlines: true when they test nothing outside the match but word boundaries (a newline bounds
    a word like the end of a text), i.e. no ^, $, \\A, \\Z, lookaround or conditional group."""
    return all(_local(p) for p in patterns)
