"""The cheap test before the search for people's personal data (``assistant/privacy/people.py``):
without one of these clues no identifier can be present, so the name and identifier patterns, the
costly part, are neither compiled nor run for most copy."""

from __future__ import annotations

import functools
import re

CLUE_WORDS = ("@ order bestell kundennr kundennummer commande pedido customer dni born geb. geboren née nacida nacido "
              "years jahre ans años 歳 岁 生まれ 出生 微信 line id 身份证 住 号 〒 road street avenue close lane drive court "
              "crescent *straße *strasse *str. *weg *gasse *platz *allee rue boulevard allée impasse chemin quai calle c/ "
              "avenida avda. plaza paseo 市 区 注文番号 订单号 会员号").split()
CLUE_DIGITS = re.compile(r"\d[\d ()./-]{6,18}\d|[,，、] ?\d{1,2}[,，、]")


@functools.lru_cache(maxsize=1)
def _clues():
    from assistant.compliance.terms import Lexicon

    return Lexicon({w: w for w in CLUE_WORDS})  # whole words in spaced scripts, substrings in CJK


def may_identify(text: str) -> bool:
    """Whether ``text`` has a clue word or digit run that an identifier needs."""
    return bool(CLUE_DIGITS.search(text)) or _clues().found(text.lower())
