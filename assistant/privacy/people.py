"""Personal data of identifiable people in copy: a person's name together with something that
identifies or reaches them (e-mail, phone, street address, order or customer number, ID, birth date,
age, a private messenger ID).

A name alone is not flagged (a founder in the brand's story, "Sarah K." in a review), nor is an
identifier alone (the brand's service number); the pair is. Names are found per script: two or three
capitalised words (Latin), a common surname plus given name or a name with an honorific (Chinese,
Japanese). Business contact data (a line naming a company form or a contact role) is left alone.
Every pattern is bounded, so a scan is linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.privacy.clues import may_identify
from assistant.privacy.detect import find_pii

_UP = "A-ZÄÖÜÀÂÇÉÈÊËÎÏÔÛÙÑÁÍÓÚŁŚŻ"
_LOW = "a-zäöüßàâçéèêëîïôûùñáíóúłśżćń'’-"
_CN_SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
                "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武"
                "乔贺赖龚文")
LATIN_NAMES = re.compile(
    rf"\b[{_UP}][{_LOW}]{{1,20}}(?: (?:van |von |de |del |da |le |la )?[{_UP}][{_LOW}]{{1,20}}){{1,2}}"
    rf"(?![{_LOW[:-5]}])(?=[ ]{{0,2}}[,(（:;–-]|[ ](?:of|from|aus|de|del|à|in|born|geb|née|nacida|nacido)[ .])"
)  # "Daniel Okafor, ...", "Jürgen Hoffmann (...", "Ana de la Torre of ..." (a name followed by its details)
CJK_NAMES = re.compile(
    rf"[{_CN_SURNAMES}][\u4e00-\u9fff]{{1,2}}(?=[（(，,、 ]|先生|女士|小姐)"  # Chinese: 刘晓燕（, 陈建国，
    r"|[\u4e00-\u9fff]{2,5}(?=様|さん|氏)"  # a Japanese name with an honorific: 山田花子様
)


def _names(text: str) -> list[re.Match[str]]:
    names = list(LATIN_NAMES.finditer(text))
    if not text.isascii():
        names = sorted(names + list(CJK_NAMES.finditer(text)), key=lambda m: m.start())
    return names


NOT_NAMES = re.compile(r"(?i)(?:calle|rue|avenue|avenida|plaza|paseo|via|street|road|place|platz|allee|prüfbericht|"
                       r"bericht|licence|lizenz|artikel|article|modell|model|size|größe|taille|talla)\b")
IDENTIFIERS = re.compile(
    r"(?i:\b(?:order|bestellung|bestellnr\.?|bestellnummer|kundennr\.?|kundennummer|commande|pedido|"
    r"customer (?:no\.?|number|id))\s{0,2}[#:.]?\s{0,2}(?:n\.?[º°] ?)?#?[a-z0-9-]{4,24})"
    r"|注文番号|订单号|会员号|身份证|微信|LINE ?ID|(?i:\bDNI\b|\bID[- ]?(?:no|number)\b)"
    r"|(?i:\b(?:born|geb\.|geboren|née?|nacid[oa])\b)|生まれ|出生|年\d{1,2}月(?:\d{1,2}日)?生"
    r"|\b\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d\b"  # a full date
    r"|\b\d{1,2} ?(?i:years? old|ans|años|jahre|j\.)(?!\w)|\d{1,2}\s?(?:歳|岁)"
    r"|^[,，、] ?\d{1,2}[,，、]"  # "Sophie Hartley, 34, from" (the window starts after the name)
    r"|\b\d{1,4}[a-z]?,? [A-Z][a-z]{2,20} (?:[A-Z][a-z]{2,20} )?(?:Road|Rd|Street|St|Avenue|Ave|Close|Lane|Drive|Way|Court|Place|Crescent)\b"
    r"|(?<=[a-zäöüß])(?:straße|strasse|str\.|weg|gasse|platz|allee|ring) \d{1,4}\b"
    r"|(?i:\b\d{1,4},? (?:rue|avenue|av\.|boulevard|bd|allée|impasse|place|chemin|quai) )"
    r"|(?i:\b(?:calle|c/|avenida|avda\.|plaza|paseo) [a-záéíóúñ]{2,20} (?:[a-záéíóúñ]{2,20} )?\d{1,4})"
    r"|\b[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}\b"  # a UK postcode
    r"|〒\d{3}-\d{4}|[市区町村][^\s、，。）]{0,15}\d{1,4}-\d{1,4}"
    r"|[路街道巷]\d{1,5}号|家住|住址|(?<![\u4e00-\u9fff])住[\u4e00-\u9fff]{2,8}[区市路]"
)
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?\(?\d{2,5}\)?(?:[ .-]?\d{2,4}){1,4}(?![\w])")
DATE = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}")
BUSINESS = re.compile(
    r"(?i:\bco\.|\b(?:gmbh|ag|ltd|limited|inc|llc|s\.l|s\.a|sas|sarl|plc|kg|ohg|press|presse|kontakt|contact|"
    r"service|support|customer care|kundenservice|geschäftsführer|ceo|founder|gründer|fondateur|fundador)\b)"
    r"|株式会社|有限会社|合同会社|有限公司|股份|客服|お問い合わせ|代表"
)
ROLE_MAIL = re.compile(r"(?i)^(?:info|hello|hi|press|presse|service|support|kontakt|contact|team|sales|shop|care|"
                       r"kundenservice|help|office|mail|news|noreply|no-reply)@")


@dataclass(frozen=True)
class Person:
    start: int  # the name
    end: int  # the end of the last identifier that goes with it
    name: str
    kinds: tuple[str, ...]


def _line(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def _identifiers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every identifier in the text, sorted: one pass per detector."""
    found = [(h.start, h.end, h.kind) for h in find_pii(text, {"email"})  # phones: PHONE below (cheaper)
             if not (h.kind == "email" and ROLE_MAIL.match(h.text))]
    found += [(m.start(), m.end(), "identifier") for m in IDENTIFIERS.finditer(text)]
    found += [(m.start(), m.end(), "phone") for m in PHONE.finditer(text)
              if 8 <= sum(c.isdigit() for c in m.group()) <= 15 and not DATE.fullmatch(m.group())]
    return sorted(found)


def find_people(text: str, window: int = 90) -> list[Person]:
    """Names followed, on the same line and within ``window`` characters, by an identifier. Names
    are found first; identifiers are looked for only in the window after each."""
    return people_in(text, window) if may_identify(text) else []


def people_in(text: str, window: int = 90) -> list[Person]:
    """``find_people`` without its cheap pre-test (``clues.may_identify``), for a caller that has run it."""
    out: list[Person] = []
    taken = -1
    for m in _names(text):
        if m.start() < taken:
            continue
        line_start, line_end = _line(text, m.start())
        stop = min(line_end, m.end() + window)
        near = _identifiers(text[m.end():stop])
        if not near or BUSINESS.search(text, line_start, line_end) or NOT_NAMES.match(m.group()):
            continue
        last = m.end() + max(i[1] for i in near)
        out.append(Person(m.start(), last, m.group(), tuple(i[2] for i in near)))
        taken = last
    return out
