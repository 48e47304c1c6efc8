"""A static check that a regular expression runs in linear time on Python's backtracking ``re``.

``finditer`` tries a pattern at every position of the text. When every attempt can only read a
bounded window (no unbounded quantifier: ``*``, ``+``, ``{n,}``), the whole scan is linear in the
text length. Inside that window, backtracking stays small when no two quantifiers compete for the
same characters: nested repeats whose iterations can run into each other (``(?:a{1,9}){1,9}``)
and adjacent variable repeats over overlapping characters (``\\w{0,9}\\w{0,9}``) are refused.

``problems(pattern)`` lists what is wrong (empty: fine); rule files are validated with it, so a
rule that could stall the checker on a hostile text never loads.
"""

from __future__ import annotations

import functools
import re
import re._compiler as sre_compile
import re._constants as sre_c
import re._parser as sre_parse

MAX_REPEAT = 200  # the largest upper bound a quantifier may have
MAX_WIDTH = 1200  # the longest text one match attempt may read
_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT}
# characters that stand for the classes a pattern can use (ASCII, Latin-1, Greek, Cyrillic, CJK, kana,
# hangul, full-width, spaces, digits, symbols): two atoms overlap when one of these matches both
_PROBE = "".join(chr(c) for c in range(32, 127)) + "\t\n\u00a0äöüßéèàçñ" + "αβяж中文最の가！。，％＃＠\u3000\u2028😀"

FIX = ("bound every quantifier ({0,40} instead of *, {1,40} instead of +) and keep repeats that follow "
       "each other or nest from matching the same characters")


@functools.lru_cache(maxsize=2048)
def problems(pattern: str) -> tuple[str, ...]:
    """What makes ``pattern`` super-linear; empty when it is linear."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        return (f"invalid regular expression: {exc}",)
    found: list[str] = []
    _walk(parsed, found)
    width = parsed.getwidth()[1]
    if width > MAX_WIDTH and not any("unbounded" in p for p in found):
        found.append(f"a match can be {width} characters long (at most {MAX_WIDTH})")
    return tuple(dict.fromkeys(found))


def _subpatterns(op, av) -> list:
    """The sub-patterns directly inside one node."""
    if op in _REPEATS:
        return [av[2]]
    if op is sre_c.SUBPATTERN:
        return [av[3]]
    if op is sre_c.BRANCH:
        return list(av[1])
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
        return [av[1]]
    if op is sre_c.ATOMIC_GROUP:
        return [av]
    if op is sre_c.GROUPREF_EXISTS:
        return [x for x in av[1:] if x is not None]
    return []


def _walk(items, found: list[str]) -> None:
    seq = list(items)
    for i, (op, av) in enumerate(seq):
        if op in _REPEATS:
            low, high, body = av
            if high == sre_c.MAXREPEAT:
                found.append(f"unbounded quantifier on {_show(body)}")
            elif high > MAX_REPEAT:
                found.append(f"quantifier {{{low},{high}}} allows more than {MAX_REPEAT} repeats")
            if high > 1 and _holds_repeat(list(body)) and _edge(list(body), last=True) & _edge(list(body), last=False):
                found.append(f"nested repeats in {_show(body)} can split the same text many ways")
            if _spread(seq[i]):
                for j in range(i + 1, len(seq)):
                    if _spread(seq[j]) and _edge([seq[i]], last=True) & _edge([seq[j]], last=False):
                        found.append(f"repeats {_show([seq[i]])} and {_show([seq[j]])} compete for the same characters")
                    if not _optional(seq[j]):
                        break
        for sub in _subpatterns(op, av):
            _walk(sub, found)


def _spread(node) -> bool:
    """A repeat that can take a varying number (more than one) of characters."""
    op, av = node
    return op in _REPEATS and av[0] != av[1] and av[1] > 1


def _optional(node) -> bool:
    op, av = node
    return (op in _REPEATS and av[0] == 0) or op is sre_c.AT or op in (sre_c.ASSERT, sre_c.ASSERT_NOT)


def _holds_repeat(nodes) -> bool:
    return any(_spread(n) or _holds_repeat([x for sub in _subpatterns(*n) for x in sub]) for n in nodes)


def _edge(nodes, *, last: bool) -> frozenset[str]:
    """Probe characters the first (``last``: final) character of the sequence can be; optional
    items at the edge add the next item's characters too."""
    out: set[str] = set()
    for node in (reversed(nodes) if last else nodes):
        out |= _node_edge(node, last)
        if not _optional(node):
            break
    return frozenset(out)


def _node_edge(node, last: bool) -> frozenset[str]:
    op, av = node
    if op in _REPEATS:
        return _edge(list(av[2]), last=last)
    if op is sre_c.SUBPATTERN:
        return _edge(list(av[3]), last=last)
    if op is sre_c.ATOMIC_GROUP:
        return _edge(list(av), last=last)
    if op is sre_c.BRANCH:
        return frozenset().union(*(_edge(list(alt), last=last) for alt in av[1]))
    if op in (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY, sre_c.CATEGORY):
        return _atom(node)
    return frozenset()


def _atom(node) -> frozenset[str]:
    """Probe characters one character-wide node matches."""
    sub = sre_parse.SubPattern(sre_parse.State(), [node])
    try:
        compiled = sre_compile.compile(sub, 0)
    except (re.error, TypeError, ValueError, RecursionError):
        return frozenset(_PROBE)  # unknown: assume the worst
    return frozenset(c for c in _PROBE if compiled.fullmatch(c))


_CATEGORIES = {sre_c.CATEGORY_DIGIT: r"\d", sre_c.CATEGORY_NOT_DIGIT: r"\D", sre_c.CATEGORY_SPACE: r"\s",
               sre_c.CATEGORY_NOT_SPACE: r"\S", sre_c.CATEGORY_WORD: r"\w", sre_c.CATEGORY_NOT_WORD: r"\W"}


def _show(items) -> str:
    """Regex-like text of parsed nodes, for messages (``\\d{1,9}``, ``[\\w.+-]``, ``(?:...)``)."""
    text = "".join(_node(op, av) for op, av in items)
    return text if len(text) <= 40 else text[:37] + "..."


def _node(op, av) -> str:
    if op is sre_c.LITERAL:
        return re.escape(chr(av))
    if op is sre_c.NOT_LITERAL:
        return f"[^{re.escape(chr(av))}]"
    if op is sre_c.ANY:
        return "."
    if op is sre_c.CATEGORY:
        return _CATEGORIES.get(av, "?")
    if op is sre_c.IN:
        inner = "".join("^" if o is sre_c.NEGATE else _node(o, a) if o is not sre_c.RANGE
                        else f"{re.escape(chr(a[0]))}-{re.escape(chr(a[1]))}" for o, a in av)
        return inner if len(av) == 1 and av[0][0] is sre_c.CATEGORY else f"[{inner}]"
    if op in _REPEATS:
        low, high, body = av
        bound = "" if (low, high) == (1, 1) else f"{{{low},{'' if high == sre_c.MAXREPEAT else high}}}"
        shown = _show(body)
        return (shown if len(body) == 1 and body[0][0] is not sre_c.SUBPATTERN else f"(?:{shown})") + bound
    if op is sre_c.SUBPATTERN:
        return f"(?:{_show(av[3])})"
    if op is sre_c.BRANCH:
        return "(?:" + "|".join(_show(alt) for alt in av[1]) + ")"
    return "..."
