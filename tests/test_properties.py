"""Property tests (Hypothesis): arbitrary bytes and structures give a result or a clear
``AssistantError``, never a traceback (issue 16, finding 8)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.catalog import read_products
from assistant.compliance.cases import review_lines, split_lines
from assistant.compliance.checker import Checker
from assistant.compliance.document import split_labelled
from assistant.errors import AssistantError
from assistant.workflow.editing import parse_edited, validate_edit

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
CASE_KEYS = st.sampled_from(["id", "text", "lang", "market", "channel", "platform", "facts", "support", "x"])
CASES = st.dictionaries(CASE_KEYS, JSON_VALUES | st.sampled_from(["en", "US", "listing", "zh", "email"]), max_size=8)
_checker = Checker()


@SETTINGS
@given(st.lists(st.binary(max_size=80) | CASES.map(lambda c: json.dumps(c).encode()), max_size=6))
def test_batch_review_input_gives_a_result_or_a_located_error_per_line(lines):
    results = list(review_lines(_checker, split_lines(b"\n".join(lines))))
    for result in results:
        assert (result.output is None) != (result.error is None)
        if result.error:
            assert result.error.startswith(f"line {result.line}:")


PRODUCT_ROWS = st.dictionaries(st.sampled_from(["sku", "name", "price", "features", "facts", "brand", "zz"]),
                               JSON_VALUES, max_size=6)


@SETTINGS
@given(suffix=st.sampled_from([".json", ".jsonl", ".csv"]),
       content=st.binary(max_size=300) | st.lists(PRODUCT_ROWS, max_size=4).map(lambda rows: json.dumps(rows).encode())
       | st.lists(st.lists(st.text(max_size=12), max_size=4), max_size=5).map(
           lambda rows: "\n".join(",".join(r) for r in [["sku", "name", "price"], *rows]).encode()))
def test_product_loaders_give_products_or_located_problems(tmp_path_factory, suffix, content):
    path = tmp_path_factory.mktemp("p") / f"products{suffix}"
    path.write_bytes(content)
    try:
        loaded = read_products(path)
    except AssistantError:
        return
    assert all(isinstance(p.where, str) and str(path) in p.where for p in loaded.problems)


OLD_FIELDS = {"title": "a", "bullets": ["b", "c"], "description": "d"}


@SETTINGS
@given(st.text(max_size=200) | st.builds(lambda d: json.dumps(d), st.dictionaries(
    st.sampled_from(["title", "bullets", "description", "other"]), JSON_VALUES, max_size=4)))
def test_edit_file_parsing_gives_fields_or_a_clear_error(text):
    try:
        fields = validate_edit(OLD_FIELDS, parse_edited(text, "edit.yaml"), "edit.yaml")
    except AssistantError:
        return
    assert set(fields) == set(OLD_FIELDS)
    assert all(isinstance(v, str) or all(isinstance(x, str) for x in v) for v in fields.values())


@SETTINGS
@given(st.text(alphabet=st.characters(), max_size=300) | st.lists(
    st.sampled_from(["Title: ", "Bullet: ", "Description:", "\n", "\r", "\u2028", " x ", "[/]", "：", "1"]),
    max_size=30).map("".join), st.sampled_from(["listing", "email", "search_ad", "social_post"]))
def test_the_field_parser_splits_any_text_into_segments_that_point_into_it(text, channel):
    doc = split_labelled(text, channel)
    for seg in doc.segments:
        assert text[seg.offset:seg.offset + len(seg.text)] == seg.text
    _checker.check_text(text, lang="en", market="US", channel=channel)


WORDS = ["guarantee", "30 days", "30-day", "terms", "certified", "code", "#ad", "x", ".", "!", "\n", " ", "within 5",
         "1", "。", "天", "认证", "a", "-"]
CONDITIONS = [dict(patterns=[r"\d{1,9}[- ]days?", r"within \d{1,9}", "terms"]), dict(terms=["certified", "guarantee*"]),
              dict(patterns=[r"\bcode\b"], terms=["#ad"]), dict(patterns=[r"\d{1,9}\s{0,5}(天|个月|周)", "认证"])]


@SETTINGS
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map("".join), st.sampled_from(CONDITIONS),
       st.booleans(), st.data())
def test_the_scope_index_answers_like_a_search_of_the_blanked_text(text, condition, sentences, data):
    """``Scope.found_besides`` (linear overall) equals searching the whole scope with the trigger blanked."""
    from assistant.compliance.conditions import SENTENCE_END, ConditionMatcher, Scope
    from assistant.compliance.rulemodels import Condition

    matcher = ConditionMatcher(Condition(**condition), chinese=False)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, min(len(text), start + 12)))
    blanked = text[:start] + " " * (end - start) + text[end:]
    scope = blanked
    if sentences:
        left = max([m.end() for m in SENTENCE_END.finditer(blanked, 0, start)], default=0)
        right = SENTENCE_END.search(blanked, end)
        scope = blanked[left:right.end() if right else len(blanked)]
    assert Scope(matcher, text, sentences=sentences).found_besides(start, end) == matcher.search(scope)
