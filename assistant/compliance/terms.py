"""Term matching: one Aho-Corasick automaton per language over every term and exception of every
existence and substitution rule, built once.

A scan finds all term and exception occurrences in one pass over the folded text, then:
1. word boundaries: a term that starts (ends) with a letter or digit of a spaced script must not be
   preceded (followed) by one; a trailing ``*`` lets the word run on (inflections). CJK terms match
   as substrings, so 第一 is found inside 全网第一.
2. exceptions: a hit inside an exception context of the same rule is dropped (第一步, best regards).
3. leftmost-longest within a category: of overlapping hits the longest wins (best-selling over
   best-sell...), so one phrase gives one finding per category.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick

from assistant.compliance.normalize import fold_term, is_word_char
from assistant.compliance.rulemodels import ExistenceRule, SubstitutionRule, TermLike
from assistant.compliance.spans import SpanIndex


@dataclass(frozen=True)
class _Entry:
    rule: int  # index into TermIndex.rules
    length: int
    prefix: bool  # trailing '*': the word may continue
    exception: bool
    replacement: str | None
    check_left: bool
    check_right: bool


@dataclass(slots=True)  # not frozen: built per hit, and frozen init is slow
class TermHit:
    rule: TermLike
    start: int  # in the folded text
    end: int
    replacement: str | None


def _terms_of(rule: TermLike) -> list[tuple[str, str | None]]:
    if isinstance(rule, SubstitutionRule):
        return list(rule.swap.items())
    assert isinstance(rule, ExistenceRule)
    return [(t, None) for t in rule.terms]


class TermIndex:
    """Every term of the given rules for one language, compiled into one automaton."""

    def __init__(self, rules: list[TermLike], chinese: bool = False):
        self.rules = rules
        table: dict[str, list[_Entry]] = {}
        for i, rule in enumerate(rules):
            items = [(t, r, False) for t, r in _terms_of(rule)] + [(e, None, True) for e in rule.exceptions]
            for term, replacement, exception in items:
                prefix = term.endswith("*")
                key = fold_term(term.rstrip("*").strip(), chinese)
                if not key:
                    continue
                table.setdefault(key, []).append(_Entry(
                    i, len(key), prefix, exception, replacement,
                    check_left=is_word_char(key[0]), check_right=is_word_char(key[-1]) and not prefix,
                ))
        self.automaton = ahocorasick.Automaton()
        for key, entries in table.items():
            self.automaton.add_word(key, tuple(entries))
        self.empty = not table
        if not self.empty:
            self.automaton.make_automaton()

    def scan(self, text: str, active: set[int] | None = None) -> list[TermHit]:
        """Hits in ``text`` (already folded) of the rules whose index is in ``active`` (all if None)."""
        if self.empty:
            return []
        claims: list[tuple[int, int, _Entry]] = []
        exceptions: dict[int, list[tuple[int, int]]] = {}
        for start, stop, e in bounded_hits(self.automaton, text):
            if active is not None and e.rule not in active:
                continue
            if e.exception:
                exceptions.setdefault(e.rule, []).append((start, stop))
            else:
                claims.append((start, stop, e))
        by_category: dict[str, list] = {}
        excepted = {rule: SpanIndex(spans) for rule, spans in exceptions.items()}
        for c in claims:
            if c[2].rule not in excepted or not excepted[c[2].rule].covers(c[0], c[1]):
                by_category.setdefault(self.rules[c[2].rule].category, []).append(c)
        return [TermHit(self.rules[e.rule], s, x, e.replacement)
                for group in by_category.values() for s, x, e in leftmost_longest(group)]


def bounded_hits(automaton: ahocorasick.Automaton, text: str):
    """(start, stop, entry) for every automaton hit that sits on word boundaries (see module doc).
    Entries need ``length``, ``prefix``, ``check_left`` and ``check_right``."""
    n = len(text)
    word_end = -1  # where the word around the last prefix hit ends (hits come in order of their end)
    for last, entries in automaton.iter(text):
        end = last + 1
        for e in entries:
            start = end - e.length
            if e.check_left and start > 0 and is_word_char(text[start - 1]):
                continue
            stop = end
            if e.prefix:
                if word_end < end:
                    word_end = end
                    while word_end < n and is_word_char(text[word_end]):
                        word_end += 1
                stop = word_end
            elif e.check_right and end < n and is_word_char(text[end]):
                continue
            yield start, stop, e


def leftmost_longest(hits: list[tuple]) -> list[tuple]:
    """Of overlapping (start, stop, ...) hits keep the leftmost, and of those the longest."""
    kept, taken_until = [], -1
    for hit in sorted(hits, key=lambda h: (h[0], h[0] - h[1])):
        if hit[0] >= taken_until:
            kept.append(hit)
            taken_until = hit[1]
    return kept


@dataclass(frozen=True)
class _Word:
    value: object
    length: int
    prefix: bool
    check_left: bool
    check_right: bool


class Lexicon:
    """Aliases -> values (e.g. 'kupfer' -> 'copper'), found with the same boundary rules."""

    def __init__(self, aliases: dict[str, object], chinese: bool = False):
        self.automaton = ahocorasick.Automaton()
        for alias, value in aliases.items():
            prefix, inside = alias.endswith("*"), alias.startswith("*")  # '*x': may start inside a word
            key = fold_term(alias.strip("*").strip(), chinese)
            if key:
                self.automaton.add_word(key, (_Word(value, len(key), prefix, is_word_char(key[0]) and not inside,
                                                    is_word_char(key[-1]) and not prefix),))
        self.empty = not aliases
        if not self.empty:
            self.automaton.make_automaton()

    def find(self, text: str) -> list[tuple[int, int, object]]:
        if self.empty:
            return []
        return [(s, x, w.value) for s, x, w in leftmost_longest(list(bounded_hits(self.automaton, text)))]

    def found(self, text: str) -> bool:
        """Whether ``find`` would find anything (stops at the first hit)."""
        return not self.empty and next(bounded_hits(self.automaton, text), None) is not None


class AnchorIndex:
    """One automaton over every rule's anchor texts (substrings: which rules can possibly match) and
    the literal prefixes of pattern rules (where their matches can start; see ``prefilter.py``)."""

    def __init__(self, anchors: dict[int, list[str]], chinese: bool = False,
                 starts: dict[int, tuple[str, ...]] | None = None):
        self.automaton = ahocorasick.Automaton()
        table: dict[str, tuple[set[int], set[int]]] = {}
        for rule, texts in anchors.items():
            for text in texts:
                key = fold_term(text, chinese)
                if key:
                    table.setdefault(key, (set(), set()))[0].add(rule)
        for rule, prefixes in (starts or {}).items():
            for key in prefixes:  # taken from the pattern: matched as written (patterns read folded text)
                table.setdefault(key, (set(), set()))[1].add(rule)
        for key, (rules, starting) in table.items():
            self.automaton.add_word(key, (frozenset(rules), len(key) - 1, tuple(sorted(starting))))
        self.empty = not table
        if not self.empty:
            self.automaton.make_automaton()

    def present(self, text: str) -> set[int]:
        return self.scan(text)[0]

    def scan(self, text: str) -> tuple[set[int], dict[int, list[int]]]:
        """The rules whose anchors occur, and for rules with prefixes every (sorted) position where one
        starts."""
        found: set[int] = set()
        starts: dict[int, list[int]] = {}
        if not self.empty:
            for end, (rules, back, starting) in self.automaton.iter(text):
                found |= rules
                for rule in starting:
                    starts.setdefault(rule, []).append(end - back)
        for positions in starts.values():
            positions.sort()
        return found, starts
