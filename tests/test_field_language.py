"""The per-field language check (``quality.field_language``): a field of a draft written in another
language than the draft's is an error naming the field, so the reviser rewrites it; names, SKUs and
units are Latin in every language; a field that cannot be classified and pasted copy are left alone."""

from __future__ import annotations

import pytest

from assistant.brand.kit import load_brand_kit
from assistant.catalog import load_products
from assistant.compliance.checker import Checker
from tests.conftest import REPO_ROOT, SAMPLE_PRODUCTS

BOTTLE = next(p for p in load_products(SAMPLE_PRODUCTS) if p.sku == "BH-BTL-750")
SUPPORT = [BOTTLE.name, BOTTLE.description or "", *BOTTLE.features]
GERMAN_BULLETS = ["Hält Getränke 24 Stunden kalt und 12 Stunden heiß",
                  "Doppelwandiger Edelstahl mit Vakuumisolierung",
                  "Auslaufsicherer Deckel aus Bambus, passt in die meisten Becherhalter"]
GERMAN_DESCRIPTION = "Eine Trinkflasche aus Edelstahl für jeden Tag. Der Deckel ist auslaufsicher und die Kappe ist aus Bambus."


@pytest.fixture(scope="module")
def checker():
    return Checker(brand=load_brand_kit(REPO_ROOT / "knowledge" / "bambuu" / "brand.yaml"))


def flagged(checker, fields, lang, market):
    report = checker.check_fields(fields, lang=lang, market=market, channel="listing", facts=BOTTLE.facts,
                                  support=SUPPORT)
    return {f.field: f for f in report.findings if f.rule_id == "quality.field_language"}


@pytest.mark.parametrize("lang, market, fields, expected", [
    # the English product name as the title of a German draft: the title, nothing else
    ("de", "DE", {"title": "Bambuu Insulated Water Bottle, 750 ml", "bullets": GERMAN_BULLETS,
                  "description": GERMAN_DESCRIPTION}, {"title"}),
    # a German title that holds the English brand names, a product line, a number with its unit: German
    ("de", "DE", {"title": "Bambuu Home Thermoflasche aus Edelstahl, 750 ml, auslaufsicher", "bullets": GERMAN_BULLETS,
                  "description": GERMAN_DESCRIPTION}, set()),
    ("de", "DE", {"title": "Bambuu StretchFit Trinkflasche BH-BTL-750, 750 ml", "bullets": GERMAN_BULLETS}, set()),
    # brand + model + numbers: nothing left to classify
    ("de", "DE", {"title": "Bambuu CoreHeat 750 ml", "bullets": GERMAN_BULLETS}, set()),
    # one English bullet and an English meta description among German fields
    ("de", "DE", {"title": "Bambuu Thermoflasche, 750 ml", "bullets": [*GERMAN_BULLETS, "Leak-proof lid"],
                  "description": GERMAN_DESCRIPTION,
                  "meta_description": "Keeps your drinks cold for a whole day, and the lid will not leak in your bag."},
     {"bullets[3]", "meta_description"}),
    # Chinese: English title flagged, a Chinese title with the brand and the unit is Chinese
    ("zh-Hans", "CN", {"title": "Bambuu Insulated Water Bottle, 750 ml", "bullets": ["双层真空不锈钢，保冷24小时"]},
     {"title"}),
    ("zh-Hans", "CN", {"title": "Bambuu 双层不锈钢保温水瓶 750 ml", "bullets": ["双层真空不锈钢，保冷24小时"]}, set()),
    ("ja", "JP", {"title": "Bambuu 真空断熱ボトル 750 ml", "bullets": ["24時間保冷、12時間保温"]}, set()),
    # an English draft in English
    ("en", "US", {"title": "Bambuu Insulated Water Bottle, 750 ml", "bullets": ["Keeps drinks cold for 24 hours"],
                  "description": "A double-wall steel bottle with a leak-proof bamboo lid for every day."}, set()),
])
def test_fields_in_another_language_are_flagged_by_field(checker, lang, market, fields, expected):
    found = flagged(checker, fields, lang, market)
    assert set(found) == expected
    for finding in found.values():
        assert finding.severity == "error" and finding.suggestion and "Rewrite this field" in finding.suggestion
        assert finding.matched and finding.end > 0


def test_copy_words_shared_with_german_facts_are_not_untranslated():
    """Facts written in German: a German title made of their words is German, not copied English."""
    fields = {"title": "Thermoflasche Edelstahl Bambusdeckel", "bullets": ["Hält Getränke lange kalt"]}
    report = Checker().check_fields(fields, lang="de", market="DE", channel="listing",
                                    facts={"Material": "Edelstahl mit Bambusdeckel"},
                                    support=["Thermoflasche Edelstahl mit Bambusdeckel, hält Getränke lange kalt"])
    assert not [f for f in report.findings if f.rule_id == "quality.field_language"]


def test_a_draft_wholly_in_another_language_gets_one_finding_not_one_per_field(checker):
    fields = {"title": "Bambuu Insulated Water Bottle, 750 ml", "bullets": ["Keeps your drinks cold for 24 hours"],
              "description": "A double-wall steel bottle with a leak-proof bamboo lid that you can take anywhere."}
    report = checker.check_fields(fields, lang="de", market="DE", channel="listing", facts=BOTTLE.facts,
                                  support=SUPPORT)
    language = [(f.rule_id, f.field) for f in report.findings if "language" in f.rule_id]
    assert language == [("quality.wrong_language", None)]


def test_pasted_mixed_copy_is_not_checked_field_by_field(checker):
    pasted = ("Title: Bambuu Insulated Water Bottle, 750 ml\nBullet: " + GERMAN_BULLETS[0] + "\nDescription: "
              + GERMAN_DESCRIPTION)
    report = checker.check_text(pasted, lang="de", market="DE", channel="listing", facts=BOTTLE.facts, support=SUPPORT)
    assert not [f for f in report.findings if f.rule_id == "quality.field_language"]


def test_a_generated_german_draft_with_an_english_title_does_not_pass(services, scripted):
    """Through generation with a scripted model: the English title is an error finding on the title,
    so the draft has errors and the revise round runs (and gets the finding as feedback)."""
    german = {"title": "Bambuu Insulated Water Bottle, 750 ml", "bullets": GERMAN_BULLETS,
              "description": GERMAN_DESCRIPTION, "meta_title": "Bambuu Thermoflasche 750 ml",
              "meta_description": "Thermoflasche aus Edelstahl mit Bambusdeckel, hält Getränke 24 Stunden kalt.",
              "image_alt_text": "Bambuu Thermoflasche aus Edelstahl mit Bambusdeckel",
              "search_keywords": ["Thermoflasche", "Trinkflasche Edelstahl"]}
    fixed = {**german, "title": "Bambuu Thermoflasche aus Edelstahl, 750 ml"}
    scripted.queue(german, fixed)
    final = services.generator.generate("listing", BOTTLE, services.brand(), lang="de", market="DE", revise_rounds=1)
    first = services.generator.history(final)[0]
    assert first.report.has_errors
    assert [f.field for f in first.report.findings if f.rule_id == "quality.field_language"] == ["title"]
    assert "in title" in scripted.received[1][-1].content  # the reviser is told which field
    assert final.round == 1 and final.fields["title"] == fixed["title"]
    assert not [f for f in final.report.findings if f.rule_id == "quality.field_language"]
