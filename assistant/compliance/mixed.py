"""Copy in another language than declared: English sentences inside de, fr, es, ja or zh copy are
checked with the English rules too (the declared language's lexicons cannot see them).

A sentence counts as English when it is written in ASCII letters and at least two of its words,
and a fifth of them, are English function words that are not words of the other languages (so
German, French or Spanish sentences without accents are not taken for English). Sentences are
bounded in length, so finding them is linear in the text.
"""

from __future__ import annotations

import re

from assistant.compliance.document import Document, Segment

SENTENCE = re.compile(r"[^.!?。！？\n]{1,400}[.!?]?")
WORD = re.compile(r"[A-Za-z']{1,30}")
STRONG = frozenset("""the and you your you'll you're with this that will our are it's i've we're their""".split())
FUNCTION_WORDS = STRONG | frozenset("""for of to is it ever than from by my i we they be been were has have had can
    just only every any in on at""".split())  # a sentence needs one of STRONG: in/on/at are German, French too
CLAIM_TYPES = frozenset({"existence", "substitution", "pattern", "family", "conditional"})  # not document requirements


CLUE = re.compile(r"(?i)\b(?:the|you|your|and|with|this|will)\b")  # no English sentence without one


def english_segments(doc: Document) -> list[Segment]:
    """The English sentences of each segment, as segments at their place in the checked text."""
    out = []
    for seg in doc.segments:
        if not CLUE.search(seg.text):
            continue
        for m in SENTENCE.finditer(seg.text):
            words = [w.lower() for w in WORD.findall(m.group())]
            if len(words) < 4 or not STRONG.intersection(words) or not _ascii_letters(m.group()):
                continue
            hits = sum(w in FUNCTION_WORDS for w in words)
            if hits >= 2 and hits * 5 >= len(words):
                out.append(Segment(seg.field, seg.label, m.group(), seg.offset + m.start()))
    return out


def _ascii_letters(text: str) -> bool:
    return all(ch.isascii() or not ch.isalpha() for ch in text)
