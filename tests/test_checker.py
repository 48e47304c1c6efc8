import pytest

from assistant.compliance.checker import Checker
from assistant.compliance.document import split_labelled
from assistant.compliance.normalize import fold
from assistant.errors import InputError


@pytest.fixture(scope="module")
def checker():
    return Checker()


def cats(report, *, counted=True):
    return {f.category for f in report.findings if not counted or f.severity in ("error", "warning")}


@pytest.mark.parametrize(
    "lang, market, text, flagged",
    [
        ("en", "US", "The best cutting board", "The best"),
        ("en", "US", "The fastest kettle we make", "fastest"),
        ("en", "US", "Best regards, the Bambuu team", None),
        ("en", "US", "Best before the end of 2027", None),
        ("en", "US", "Size No. 10 fits most drawers", None),
        ("zh", "CN", "这是最好的砧板", "最好的"),
        ("zh", "CN", "第一步：用温水清洗砧板", None),
        ("zh", "CN", "最后一步是擦干并上油", None),
        ("zh", "CN", "最近很多顾客问我们", None),
        ("zh-Hant", "TW", "全網最低", "最"),
        ("zh-Hant", "TW", "這是最好的砧板", "最好的"),  # Traditional folded to Simplified
        ("ja", "JP", "ＢＥＳＴ最強のまな板", "最強"),
        ("ja", "JP", "最初に水で洗ってください", None),
        ("de", "DE", "Das BESTE Brett", "BESTE"),
        ("de", "DE", "Am besten von Hand spülen", None),
        ("fr", "FR", "La meilleure planche du marché", "La meilleure"),
        ("es", "ES", "Perfecta para cocinas pequeñas", None),
    ],
)
def test_absolute_claims_across_languages_with_spans_on_the_original(checker, lang, market, text, flagged):
    report = checker.check_fields({"description": text}, lang=lang, market=market)
    hits = [f for f in report.findings if f.category == "absolute_claim"]
    if flagged is None:
        assert hits == []
    else:
        assert [text[f.start:f.end] for f in hits] == [flagged]
        assert hits[0].severity == "error" and hits[0].source and hits[0].suggestion


@pytest.mark.parametrize(
    "lang, market, text, flagged",
    [
        ("en", "US", "Our #1 bamboo board", "#1"),
        ("en", "US", "Our #1 bamboo board (source: Amazon ranking, May 2025)", None),
        ("zh-Hant", "TW", "全網銷量第一", "第一"),  # Traditional folded to Simplified
        ("zh", "CN", "第一步：用温水清洗", None),
        ("ja", "JP", "満足度ＮＯ．１のまな板", "ＮＯ．１"),  # full-width folded to half-width
        ("de", "DE", "Deutschlands Nr. 1 für Messer", "Nr. 1"),
    ],
)
def test_rankings_need_a_source_and_are_unsubstantiated_superlatives(checker, lang, market, text, flagged):
    report = checker.check_fields({"description": text}, lang=lang, market=market)
    hits = [f for f in report.findings if f.category == "unsubstantiated_superlative"]
    assert [text[f.start:f.end] for f in hits] == ([flagged] if flagged else [])
    assert not [f for f in report.findings if f.category == "absolute_claim"]


def test_fold_keeps_an_offset_map_when_characters_expand():
    folded = fold("5㎏ board")
    assert folded.text == "5kg board" and folded.span(0, 3) == (0, 2) and folded.span(4, 9) == (3, 8)


@pytest.mark.parametrize(
    "word, flagged", [("guaranteed results", True), ("risk-free trial", True), ("bestow", False), ("bestellen", False)]
)
def test_word_boundaries_and_inflections(checker, word, flagged):
    lang = "de" if word == "bestellen" else "en"
    report = checker.check_fields({"description": f"Jetzt {word}" if lang == "de" else word}, lang=lang, market="US")
    assert bool(cats(report) - {"quality"}) is flagged


@pytest.mark.parametrize(
    "field, length, flagged",
    [("meta_title", 60, False), ("meta_title", 61, True), ("meta_description", 161, True),
     ("title", 200, False), ("title", 201, True)],
)
def test_length_limits(checker, field, length, flagged):
    report = checker.check_fields({field: "a" * (length - 1) + " "}, lang="en", market="US")
    hits = [f for f in report.findings if f.category == "length_limit"]
    assert bool(hits) is flagged
    if flagged:
        assert hits[0].field == field and str(length) in hits[0].message and hits[0].rule_id == f"limit.{field}"


@pytest.mark.parametrize(
    "channel, platform, text, flagged",
    [
        ("search_ad", None, "Headline: " + "竹" * 15, False),  # 15 CJK = 30 width units: at the limit
        ("search_ad", None, "Headline: " + "竹" * 16, True),
        ("social_post", "x", "a" * 256 + " https://bambuu.example/a/very/long/path/that/counts/as/23", False),
        ("social_post", "x", "a" * 258 + " https://bambuu.example/x", True),
        ("social_post", "linkedin", "word " * 600, False),
        ("social_post", "linkedin", "word " * 601, True),
    ],
)
def test_platform_counting(checker, channel, platform, text, flagged):
    report = checker.check_text(text, lang="zh" if "竹" in text else "en", market="US", channel=channel,
                                platform=platform)
    assert bool([f for f in report.findings if f.category == "length_limit"]) is flagged


def test_amazon_keywords_count_bytes(checker):
    report = checker.check_fields({"search_keywords": ["竹制砧板"] * 25}, lang="zh", market="CN", platform="amazon")
    assert any("bytes" in f.message for f in report.findings if f.category == "length_limit")


def test_bullet_count_out_of_range(checker):
    report = checker.check_fields({"bullets": ["one"] * 7}, lang="en", market="US")
    assert any(f.rule_id == "limit.bullets.items" for f in report.findings)


@pytest.mark.parametrize(
    "text, rule_id",
    [("", "quality.empty"), ("Lorem ipsum dolor", "quality.placeholder"), ("[insert benefit here]", "quality.placeholder"),
     ("Great board. meta_title: Bamboo", "quality.echo"), ("max 500 characters each, 3-5 items", "quality.echo")],
)
def test_quality_failures(checker, text, rule_id):
    report = checker.check_fields({"description": text}, lang="en", market="US")
    assert rule_id in {f.rule_id for f in report.findings}


def test_wrong_language_is_an_error(checker):
    text = "A sturdy bamboo cutting board with a deep juice groove that keeps the counter dry."
    report = checker.check_fields({"description": text}, lang="de", market="DE")
    assert any(f.rule_id == "quality.wrong_language" and f.severity == "error" for f in report.findings)
    ok = checker.check_fields({"description": "Ein stabiles Schneidebrett aus Bambus mit tiefer Saftrille."},
                              lang="de", market="DE")
    assert not any(f.rule_id == "quality.wrong_language" for f in ok.findings)


def test_labelled_text_spans_point_into_the_original(checker):
    text = "Title: Bamboo board\nBullet: The best gift\n\nDescription: A board,\n  made in Anji. The best."
    report = checker.check_text(text, lang="en", market="US")
    best = [f for f in report.findings if f.rule_id == "en.superlative.absolute"]
    assert [text[f.start:f.end] for f in best] == ["The best", "The best"]
    assert [f.field for f in best] == ["bullets[0]", "description"]
    assert [s.field for s in split_labelled(text).segments] == ["title", "bullets", "description"]


def test_labels_map_to_the_channel_fields():
    doc = split_labelled("Headline: A\nHeadline: B\nDescription: C\nPath: d", "search_ad",
                         frozenset({"headlines", "descriptions", "paths"}))
    assert [s.label for s in doc.segments] == ["headlines[0]", "headlines[1]", "descriptions[0]", "paths[0]"]
    assert [s.field for s in split_labelled("Just a post", "social_post").segments] == ["text"]


def test_email_requires_unsubscribe_and_address(checker):
    body = "Subject: New boards\nBody: Our new bamboo boards are here."
    report = checker.check_text(body, lang="en", market="US", channel="email")
    assert {"missing_unsubscribe", "missing_postal_address"} <= cats(report)
    footer = body + "\nBambuu Home, 123 Main Street, Springfield, IL 62701\nUnsubscribe: {{unsubscribe_url}}"
    assert not {"missing_unsubscribe", "missing_postal_address"} & cats(
        checker.check_text(footer, lang="en", market="US", channel="email"))
    assert "missing_postal_address" not in cats(checker.check_text(body, lang="zh", market="CN", channel="email"))


@pytest.mark.parametrize(
    "copy, facts, unsupported",
    [
        ("Copper core for even heat", {"core": "aluminium"}, ["Copper"]),
        ("Kupferkern für gleichmäßige Hitze", {"core": "copper"}, []),
        ('Fits 1-9/16" dowels', {"fits": '9/16" dowels'}, ['1-9/16"']),
        ('Fits 9/16" dowels', {"fits": '9/16" dowels'}, []),
        ("A 45 x 30 cm board", {"size": "450 x 300 x 20 mm"}, []),
        ("A 45 x 35 cm board", {"size": "450 x 300 x 20 mm"}, ["45 x 35 cm"]),
        ("Weighs 1.2 kg", {"weight_g": 1200}, []),
        ("FSC-certified bamboo, made in China", {"material": "bamboo", "origin": "China"}, ["FSC-certified"]),
        ("Made in Japan", {"origin": "China"}, ["Made in Japan"]),
        ("BPA-free and no plastic", {"material": "bamboo"}, ["BPA-free"]),
        ("采用铜芯，受热均匀", {"材质": "不锈钢"}, ["铜"]),
        ("50% off this week", {"material": "bamboo"}, []),
    ],
)
def test_grounding_flags_what_the_facts_do_not_support(checker, copy, facts, unsupported):
    report = checker.check_fields({"description": copy}, lang="zh" if "铜" in copy else "de" if "Kupfer" in copy else "en",
                                  market="US", facts=facts)
    assert [f.matched for f in report.findings if f.category == "unsupported_claim"] == unsupported


@pytest.mark.parametrize("copy, unsupported", [
    ("Tabla de bambú para que no haya manchas", []),  # "haya" here is the verb "haber", not beech
    ("Tabla de madera de haya", ["de haya"]),
])
def test_a_material_word_that_is_also_a_common_word_needs_its_context(checker, copy, unsupported):
    report = checker.check_fields({"description": copy}, lang="es", market="ES", facts={"material": "bamboo"})
    assert [f.matched for f in report.findings if f.category == "unsupported_claim"] == unsupported


def test_grounding_accepts_extra_support_texts(checker):
    copy = {"description": "Made from FSC-certified bamboo"}
    assert cats(checker.check_fields(copy, lang="en", market="US", facts={"material": "bamboo"})) == {"unsupported_claim"}
    supported = checker.check_fields(copy, lang="en", market="US", facts={"material": "bamboo"},
                                     support=["All Bambuu boards are FSC certified (licence FSC-C123456)."])
    assert "unsupported_claim" not in cats(supported)


def test_made_in_usa_needs_facts_or_stands_down(checker):
    copy = {"description": "Proudly made in the USA"}
    assert "unsupported_claim" in cats(checker.check_fields(copy, lang="en", market="US"))
    assert "unsupported_claim" not in cats(checker.check_fields(copy, lang="en", market="US", facts={"origin": "USA"}))


def test_score_drops_with_errors_and_has_errors_gates(checker, good_listing):
    clean = checker.check_fields(good_listing, lang="en", market="US")
    dirty = checker.check_fields({**good_listing, "title": "The best board"}, lang="en", market="US")
    assert clean.score == 100 and not clean.findings
    assert dirty.score < clean.score and dirty.has_errors


@pytest.mark.parametrize(
    "kwargs, message",
    [(dict(lang="xx", market="US"), "unknown language code 'xx'"), (dict(lang="en", market="XX"), "unknown market"),
     (dict(lang="en", market="US", channel="fax"), "unknown channel 'fax'")],
)
def test_bad_context_is_input_error(checker, kwargs, message):
    with pytest.raises(InputError, match=message):
        checker.check_text("hello", **kwargs)


def test_unknown_platform_for_a_channel_falls_back_to_channel_limits(checker):
    report = checker.check_text("Nice post", lang="en", market="US", channel="social_ad", platform="instagram")
    assert report.findings == []


def test_generated_email_fields_with_the_brand_footer_pass(checker, services):
    footer = services.brand().legal_footer
    fields = {"subject": "New boards", "body": ["Our new boards are here."],
              "footer": f"{footer.company}\n{footer.postal_address}\n{footer.unsubscribe}"}
    assert checker.check_fields(fields, lang="en", market="US", channel="email").findings == []
    fields.pop("footer")
    assert {"missing_unsubscribe", "missing_postal_address"} <= cats(
        checker.check_fields(fields, lang="en", market="US", channel="email"))


@pytest.mark.parametrize(
    "fields, lang, rule_id, field",
    [
        ({"bullets": ["1", "234.5", "Deep juice groove keeps the counter dry."]}, "en", "quality.no_words", "bullets[0]"),
        ({"description": ":["}, "en", "quality.no_words", "description"),
        ({"image_alt_text": "https://i.example.com/6eb24fa9.jpg"}, "en", "quality.url", "image_alt_text"),
        ({"description": "Moso bamboo cutting board made in Anji, Zhejiang, China"}, "zh", "quality.wrong_language", None),
        ({"description": "Bamboo cutting board with a juice groove and two handles"}, "ja", "quality.wrong_language", None),
    ],
)
def test_weak_model_output_is_caught(checker, fields, lang, rule_id, field):
    report = checker.check_fields(fields, lang=lang, market="US")
    assert any(f.rule_id == rule_id and f.field == field for f in report.findings), report.findings


@pytest.mark.parametrize(
    "fields, lang",
    [
        ({"search_keywords": ["2024", "bamboo board"]}, "en"),
        ({"description": "Visit https://bambuu.example/care for care tips."}, "en"),
        ({"description": "Bambuu 竹砧板，45 x 30 cm，带导流槽"}, "zh"),
    ],
)
def test_no_false_alarms_on_numbers_links_and_brand_names(checker, fields, lang):
    rules = {f.rule_id for f in checker.check_fields(fields, lang=lang, market="US").findings}
    assert not rules & {"quality.no_words", "quality.url", "quality.wrong_language"}
