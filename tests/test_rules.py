"""Every shipped rule meets its own examples; malformed rule files fail with file:line and key."""

import pytest

from assistant.compliance.checker import Checker
from assistant.compliance.loader import brand_rules, parse_pack, shipped_rules
from assistant.errors import ConfigError

HOME_MARKET = {"en": "US", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "pt-BR": "BR", "zh-Hans": "CN",
               "zh-Hant": "TW", "ja": "JP", "ko": "KR"}


def example_context(rule, ex) -> dict:
    """Where an example is checked: its own context, else the rule's first language/market/channel."""
    lang = ex.lang or next((lang for lang in rule.languages if lang != "*"), "en")
    market = ex.market or next((m for m in rule.markets if m != "*" and m not in rule.exclude_markets), None)
    return dict(
        lang=lang, market=market or HOME_MARKET.get(lang, "US"),
        channel=ex.channel or next((c for c in rule.channels if c != "*"), "listing"),
        platform=ex.platform or (rule.platforms[0] if rule.platforms else None), facts=ex.facts,
    )


def triggered(rule, ex) -> list[str]:
    report = Checker(rules=(rule,), quality=False).check_text(ex.text, **example_context(rule, ex))
    return [f.matched or f.rule_id for f in report.findings if f.rule_id == rule.id or f.rule_id.startswith(rule.id + ".")]


RULES = shipped_rules()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_triggers_on_its_must_trigger_examples(rule):
    for ex in rule.must_trigger:
        assert triggered(rule, ex), f"{rule.id} should trigger on {ex.text!r}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_stays_quiet_on_its_must_not_trigger_examples(rule):
    for ex in rule.must_not_trigger:
        assert not triggered(rule, ex), f"{rule.id} should not trigger on {ex.text!r}: {triggered(rule, ex)}"


def test_every_rule_has_a_source_and_both_kinds_of_example():
    assert len(RULES) >= 90
    for rule in RULES:
        assert rule.source and rule.must_trigger and rule.must_not_trigger, rule.id


def test_every_rule_type_and_category_is_shipped():
    assert {r.type for r in RULES} == {"existence", "substitution", "pattern", "occurrence", "required",
                                       "conditional", "limit", "family", "personal_data"}
    from typing import get_args

    from assistant.compliance.models import Category

    assert {r.category for r in RULES} | {"unsupported_claim", "brand_term", "quality"} >= set(get_args(Category))


BASE = "pack: p\ntitle: t\nrules:\n"
RULE = ("  - id: x.y\n    type: existence\n    category: absolute_claim\n    severity: error\n    message: m\n"
        "    source: s\n    terms: [best]\n    must_trigger: [best]\n    must_not_trigger: [good]\n")


@pytest.mark.parametrize(
    "text, expected",
    [
        (BASE + RULE, None),
        (BASE + RULE.replace("severity: error", "severity: fatal"), "p.yaml:7: key 'rules.0.severity'"),
        (BASE + RULE.replace("type: existence", "type: magic"), "unknown rule type"),
        (BASE + RULE.replace("    terms: [best]\n", ""), "p.yaml:4: key 'rules.0.terms': Field required"),
        (BASE + RULE + "    colour: red\n", "p.yaml:13: key 'rules.0.colour': unknown key"),
        (BASE + RULE.replace("type: existence", "type: pattern").replace("terms: [best]", "patterns: ['(x']"),
         "invalid regular expression"),
        (BASE + RULE.replace("must_not_trigger: [good]", "must_not_trigger: []"), "rules.0.must_not_trigger"),
        ("pack: p\ntitle: t\nrules: [\n", "p.yaml:4: not valid YAML"),
        ("pack: P Q\ntitle: t\nrules: []\n", "key 'pack'"),
    ],
)
def test_malformed_rule_files_fail_with_file_line_and_key(text, expected):
    if expected is None:
        assert parse_pack("rules/p.yaml", text)[0].id == "x.y"
        return
    with pytest.raises(ConfigError) as info:
        parse_pack("rules/p.yaml", text)
    assert expected in str(info.value)


def test_brand_banned_terms_become_substitution_rules(services):
    kit = services.brand()
    rules = brand_rules(kit)
    assert {r.type for r in rules} == {"substitution"} and {r.category for r in rules} == {"brand_term"}
    report = Checker().check_fields({"description": "An eco-friendly board"}, lang="en", market="US", brand=kit)
    brand = [f for f in report.findings if f.category == "brand_term"]
    assert brand and brand[0].replacement == "made from FSC-certified bamboo"
    zh = Checker().check_fields({"description": "環保竹砧板"}, lang="zh-Hant", market="TW", brand=kit)
    assert not [f for f in zh.findings if f.category == "brand_term"]  # the kit bans 环保 for zh-Hans only
