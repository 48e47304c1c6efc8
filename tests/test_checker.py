import pytest

from assistant.compliance.checker import Checker, split_labelled
from assistant.compliance.terms import shipped_rules
from assistant.errors import InputError


@pytest.fixture(scope="module")
def checker():
    return Checker()


@pytest.mark.parametrize("rule", shipped_rules(), ids=lambda r: r.id)
def test_every_shipped_rule_meets_its_examples(rule):
    for text in rule.must_trigger:
        assert rule.find(text), f"{rule.id} should trigger on {text!r}"
    for text in rule.must_not_trigger:
        assert not rule.find(text), f"{rule.id} should not trigger on {text!r}"


@pytest.mark.parametrize(
    "lang, text, flagged",
    [
        ("en", "The best cutting board", "best"),
        ("en", "Our #1 bamboo board", "#1"),
        ("en", "Best regards, the Bambuu team", None),
        ("en", "Best before the end of 2027", None),
        ("zh", "这是最好的砧板", "最好"),
        ("zh", "国家级品质，值得信赖", "国家级"),
        ("zh", "第一步：用温水清洗砧板", None),
        ("zh", "最后一步是擦干并上油", None),
        ("zh-Hant", "全網第一", "第一"),
    ],
)
def test_absolute_terms_en_zh(checker, lang, text, flagged):
    report = checker.check_fields({"description": text}, lang=lang, market="US")
    hits = [f for f in report.findings if f.category == "absolute_claim"]
    if flagged is None:
        assert hits == []
    else:
        assert [text[f.start:f.end] for f in hits] == [flagged]
        assert hits[0].severity == "error" and hits[0].source and hits[0].suggestion


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
        assert hits[0].field == field and str(length) in hits[0].message


def test_cjk_meta_title_counts_characters(checker):
    report = checker.check_fields({"meta_title": "竹" * 61}, lang="zh", market="CN")
    assert any(f.rule_id == "limit.meta_title" for f in report.findings)


def test_amazon_keywords_count_bytes(checker):
    keywords = ["竹制砧板"] * 25  # 12 bytes each + separators > 249 bytes
    report = checker.check_fields({"search_keywords": keywords}, lang="zh", market="CN", platform="amazon")
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


def test_unsubscribe_placeholder_is_not_flagged(checker):
    report = checker.check_fields({"description": "Unsubscribe: {{unsubscribe_url}}"}, lang="en", market="US")
    assert not [f for f in report.findings if f.rule_id == "quality.placeholder"]


def test_wrong_language_is_an_error(checker):
    text = "A sturdy bamboo cutting board with a deep juice groove that keeps the counter dry."
    report = checker.check_fields({"description": text}, lang="de", market="DE")
    assert any(f.rule_id == "quality.wrong_language" and f.severity == "error" for f in report.findings)
    ok = checker.check_fields({"description": "Ein stabiles Schneidebrett aus Bambus mit tiefer Saftrille."}, lang="de", market="DE")
    assert not any(f.rule_id == "quality.wrong_language" for f in ok.findings)


def test_labelled_text_spans_point_into_the_original(checker):
    text = "Title: Bamboo board\nBullet: The best gift\nDescription: 最好"
    report = checker.check_text(text, lang="en", market="US")
    best = next(f for f in report.findings if f.matched == "best")
    assert text[best.start:best.end] == "best" and best.field == "bullets[0]"
    assert [s.field for s in split_labelled(text)] == ["title", "bullets", "description"]


def test_score_drops_with_errors(checker, good_listing):
    clean = checker.check_fields(good_listing, lang="en", market="US")
    dirty = checker.check_fields({**good_listing, "title": "The best board"}, lang="en", market="US")
    assert clean.score == 100 and not clean.findings
    assert dirty.score < clean.score and dirty.has_errors


def test_unknown_language_is_input_error(checker):
    with pytest.raises(InputError, match="unknown language code 'xx'"):
        checker.check_text("hello", lang="xx", market="US")
