"""Languages, markets and their conventions; Chinese scripts; translate mode with protected terms."""

from datetime import date

import pytest

from assistant.catalog import load_products
from assistant.errors import InputError
from assistant.compliance.checker import Checker
from assistant.generation.terms import glossary_pairs, language_matches, mask_terms, unmask_terms
from assistant.locales.identify import identify
from assistant.locales import get_market, languages, markets, resolve_language, resolve_market
from assistant.locales.formats import babel_locale, conventions_text, convert_units, format_day, format_price
from assistant.locales.scripts import chinese_script
from tests.conftest import SAMPLE_PRODUCTS
from tests.test_kinds import SAMPLES

REQUIRED = ["en", "zh-Hans", "zh-Hant", "de", "fr", "es", "it", "ja", "ko", "pt-BR", "ar"]


def test_required_languages_and_rtl():
    assert set(REQUIRED) <= set(languages())
    assert [c for c, lang in languages().items() if lang.rtl] == ["ar"]


@pytest.mark.parametrize(
    "lang, market, locale, price, day",
    [
        ("en", "US", "en_US", "$1,234.50", "Mar 31, 2025"),
        ("de", "DE", "de_DE", "1.234,50\xa0$", "31.03.2025"),
        ("fr", "FR", "fr_FR", "1\u202f234,50\xa0$US", "31 mars 2025"),
        ("ja", "JP", "ja_JP", "$1,234.50", "2025/03/31"),
        ("zh", "CN", "zh_Hans_CN", "US$1,234.50", "2025年3月31日"),
        ("zh-Hant", "TW", "zh_Hant_TW", "US$1,234.50", "2025年3月31日"),
        ("pt-BR", "BR", "pt_BR", "US$\xa01.234,50", "31 de mar. de 2025"),
        ("en", "DE", "en_DE", "1.234,50\xa0US$", "31 Mar 2025"),
        ("en", "UK", "en_GB", "US$1,234.50", "31 Mar 2025"),
    ],
)
def test_numbers_prices_and_dates_per_market(lang, market, locale, price, day):
    loc = babel_locale(resolve_language(lang), get_market(market))
    assert loc == locale
    assert format_price(1234.5, "USD", loc) == price
    assert format_day(date(2025, 3, 31), loc) == day


@pytest.mark.parametrize(
    "market, text, expected",
    [
        ("US", "45 x 30 x 2 cm", "45 x 30 x 2 cm (17.7 x 11.8 x 0.8 in)"),
        ("US", "oven safe up to 260 °C", "oven safe up to 260 °C (500 °F)"),
        ("US", "1.6 kg, 500 ml", "1.6 kg (3.5 lb), 500 ml (16.9 fl oz)"),
        ("DE", "a 12 in pan, 2 lb", "a 12 in (30,5 cm) pan, 2 lb (0,9 kg)"),
        ("DE", "45 x 30 cm", "45 x 30 cm"),
        ("US", "10 W, 5 modes, USB-C 5 V 2 A", "10 W, 5 modes, USB-C 5 V 2 A"),
    ],
)
def test_units_are_converted_for_the_market(market, text, expected):
    m = get_market(market)
    assert convert_units(text, m, m.locale) == expected


def test_conventions_text_names_currency_units_and_formats():
    text = conventions_text(resolve_language("de"), get_market("DE"), 34.99, "USD")
    assert "EUR" in text and "1.234,5" in text and "metric" in text and "34,99\xa0$" in text and "never convert" in text
    assert "right-to-left" in conventions_text(resolve_language("ar"), get_market("SA"))


def test_every_market_resolves_and_aliases_work():
    for code, market in markets().items():
        assert resolve_market(code.lower()) == code and market.timezone
    assert resolve_market("GB") == "UK"
    with pytest.raises(InputError, match="use one of: US, UK"):
        resolve_market("XX")


@pytest.mark.parametrize(
    "text, expected",
    [("这是我们的竹制砧板，适合每个厨房", "Hans"), ("這是我們的竹製砧板，適合每個廚房", "Hant"), ("竹砧板", None)],
)
def test_chinese_script(text, expected):
    assert chinese_script(text) == expected


def test_traditional_copy_for_a_simplified_request_is_a_finding_and_the_evals_agree():
    fields = {"text": "這是我們的竹製砧板，適合每個廚房使用"}
    report = Checker().check_fields(fields, lang="zh-Hans", market="CN", channel="social_post")
    assert [f.rule_id for f in report.findings if f.category == "quality"] == ["quality.wrong_script"]
    assert language_matches(fields, resolve_language("zh-Hans")) is False
    assert not Checker().check_fields(fields, lang="zh-Hant", market="TW", channel="social_post").findings
    assert language_matches(fields, resolve_language("zh-Hant")) is True


@pytest.mark.parametrize("text, lang, expected", [
    ("The board is made from bamboo and it is oiled for your kitchen.", "en", True),
    ("Das Brett ist aus Bambus und für die Küche mit Öl behandelt worden.", "en", False),
    ("Bamboo board", "en", None),  # too short to tell
    ("Bamboo cutting board with a juice groove and two handles", "ja", False),  # no Japanese characters
    ("كرسي تخييم قابل للطي من Wrenley، وزنه 0.9 كجم", "ar", True),  # the identifier alone: 'ary', p=0.57
    ("لوح تقطيع من خشب البامبو مع مجرى للعصارة، مقاس 45 × 30 سم.", "ar", True),  # alone: 'ar', p=0.64
    ("لوح تقطيع من خشب البامبو مع مجرى للعصارة، مقاس 45 × 30 سم.", "de", False),
    ("Bamboo cutting board with a juice groove, by Bambuu Home", "ar", False),
])
def test_one_language_identification_for_the_checker_and_the_evals(text, lang, expected):
    language = resolve_language(lang)
    assert identify(text, language).ok is expected
    assert language_matches({"text": text}, language) is expected
    errors = Checker().check_fields({"description": text}, lang=lang, market="US", channel="listing").findings
    assert any(f.rule_id == "quality.wrong_language" for f in errors) is (expected is False)


def test_masking_protects_do_not_translate_terms():
    fields = {"title": "Bambuu Home board by Bambuu", "bullets": ["CoreHeat inside", "no term"]}
    masked, tokens = mask_terms(fields, ["Bambuu", "Bambuu Home", "CoreHeat"])
    assert masked == {"title": "⟦1⟧ board by ⟦2⟧", "bullets": ["⟦3⟧ inside", "no term"]}
    assert unmask_terms(masked, tokens) == fields


# ---- translate mode --------------------------------------------------------------------------
@pytest.fixture
def product():
    return load_products(SAMPLE_PRODUCTS)[0]


@pytest.fixture
def glossary(monkeypatch, services):
    kit_type = type(services.brand())
    monkeypatch.setattr(kit_type, "glossary_for", lambda self, s, t: [{"source": "juice groove", "target": "Saftrille"}]
                        if (s, t) == ("en", "de") else [], raising=False)


def source_draft(services, scripted, product):
    scripted.queue({"text": "The Bambuu board: a deep juice groove keeps the counter dry.", "hashtags": ["#Bambuu"]})
    return services.generator.generate("social_post", product, services.brand(), lang="en", market="US",
                                       revise_rounds=0)


def test_translation_keeps_do_not_translate_terms_and_uses_the_glossary(services, scripted, product, glossary):
    src = source_draft(services, scripted, product)
    scripted.queue({"text": "Das ⟦1⟧ Brett: Die tiefe Saftrille hält die Arbeitsfläche trocken.", "hashtags": ["#⟦1⟧"]})
    draft = services.generator.translate(src.id, services.brand(), lang="de", market="DE", revise_rounds=0)
    assert draft.fields["text"] == "Das Bambuu Brett: Die tiefe Saftrille hält die Arbeitsfläche trocken."
    assert draft.fields["hashtags"] == ["#Bambuu"]
    assert (draft.request.mode, draft.request.source_draft_id, draft.prompt_name) == ("translate", src.id, "translate")
    sent = scripted.received[-1][-1].content
    assert "⟦1⟧" in sent and "Bambuu board" not in sent and "juice groove -> Saftrille" in sent
    assert not [f for f in draft.report.findings if f.rule_id.startswith("generation.")]


def test_lost_terms_are_findings_that_the_reviser_fixes(services, scripted, product, glossary):
    src = source_draft(services, scripted, product)
    scripted.queue({"text": "Das Bambus-Brett: Die tiefe Rille hält die Arbeitsfläche trocken.", "hashtags": []},
                   {"text": "Das Bambuu Brett: Die tiefe Saftrille hält die Arbeitsfläche trocken.", "hashtags": []})
    draft = services.generator.translate(src.id, services.brand(), lang="de", market="DE", revise_rounds=1)
    first = services.generator.history(draft)[0]
    assert {f.rule_id for f in first.report.findings} >= {"generation.do_not_translate", "generation.glossary"}
    assert "Keep 'Bambuu' untranslated" in scripted.received[-1][-1].content
    assert draft.round == 1 and "Bambuu" in draft.fields["text"] and "Saftrille" in draft.fields["text"]
    assert not [f for f in draft.report.findings if f.rule_id.startswith("generation.")]


def test_only_a_draft_without_errors_can_be_translated(services, scripted, product):
    scripted.queue({"text": "Dieses Brett ist ein Schneidebrett aus Bambus mit einer tiefen Saftrille.", "hashtags": []})
    bad = services.generator.generate("social_post", product, services.brand(), lang="en", market="US", revise_rounds=0)
    assert bad.report.has_errors
    with pytest.raises(InputError, match="not approved for translation"):
        services.generator.translate(bad.id, services.brand(), lang="fr", market="FR")


def test_glossary_pairs_read_the_brand_kit(services, glossary):
    assert glossary_pairs(services.brand(), "en", "de") == {"juice groove": "Saftrille"}
    assert glossary_pairs(services.brand(), "en", "en") == {}


def test_native_generation_sees_market_conventions(services, scripted, product):
    scripted.queue(SAMPLES["listing"])
    services.generator.generate("listing", product, services.brand(), lang="de", market="DE", revise_rounds=0)
    sent = scripted.received[0][-1].content
    assert "1.234,5" in sent and "34,99\xa0$" in sent and "Germany (DE)" in sent
