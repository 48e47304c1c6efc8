import json

import pytest

from tests.helpers import run_cli as run
from tests.conftest import write_jsonl




CASES = [
    {"id": "a", "text": "Title: The best bamboo board\nBullet: Eco-friendly and sturdy", "lang": "en", "market": "US",
     "channel": "listing"},
    {"id": "b", "text": "第一步：清洗砧板", "lang": "zh", "market": "CN", "channel": "listing"},
    {"id": 3, "text": "Copper core", "lang": "en", "market": "US", "channel": "listing", "platform": "amazon",
     "facts": {"core": "aluminium"}, "expected": ["unsupported_claim"]},
]


def test_batch_contract(tmp_path, capsys):
    cases = write_jsonl(tmp_path / "cases.jsonl", CASES)
    out = tmp_path / "out" / "findings.jsonl"
    code, _, err = run(capsys, "review", "--input", str(cases), "--output", str(out))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert code == 1 and "3 case(s)" in err
    assert [line["id"] for line in lines] == ["a", "b", 3] and lines[1] == {"id": "b", "score": 100, "findings": []}
    finding = lines[0]["findings"][0]
    assert set(finding) >= {"category", "rule_id", "severity", "start", "end", "message", "suggestion"}
    text = CASES[0]["text"]
    assert {text[f["start"]:f["end"]] for f in lines[0]["findings"]} >= {"The best", "Eco-friendly"}
    assert lines[2]["findings"][0]["category"] == "unsupported_claim"


def test_bad_lines_are_reported_and_the_rest_still_reviewed(tmp_path, capsys):
    path = tmp_path / "cases.jsonl"
    good = json.dumps({"id": "ok", "text": "A quiet kettle", "lang": "en", "market": "US", "channel": "listing"})
    path.write_text("\n".join([good, "not json", json.dumps({"id": "x", "text": "t", "lang": "en", "market": "US",
                     "channel": "fax"}), json.dumps({"id": "y", "text": "t", "lang": "xx", "market": "US",
                     "channel": "listing"}), "", good]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "review", "--input", str(path))
    assert code == 2
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["ok", "ok"]
    assert "line 2: not valid JSON" in err and "line 3: field 'channel'" in err
    assert "line 4: unknown language code 'xx'" in err


def test_text_mode_shows_source_and_fix_and_prints_a_diff(capsys, tmp_path):
    code, out, _ = run(capsys, "review", "--text", "Title: Eco-friendly board", "--brand", "bambuu", "--fix")
    assert code == 0 and "source:" in out and "fix:" in out
    assert "--- original" in out and "+Title: Made from FSC-certified bamboo board" in out


def test_facts_file_turns_on_grounding(capsys, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"material": "bamboo"}), encoding="utf-8")
    code, out, _ = run(capsys, "review", "--text", "Solid oak board", "--facts", str(facts))
    assert code == 0 and "grounding.material" in out
    facts.write_text("[1, 2]", encoding="utf-8")
    code, _, err = run(capsys, "review", "--text", "x", "--facts", str(facts))
    assert code == 2 and "facts must be a JSON object" in err


def test_eval_checker_prints_precision_recall_per_category_and_language(capsys, tmp_path):
    cases = write_jsonl(tmp_path / "dev.jsonl", CASES[:2] + [
        {**CASES[0], "id": "c", "expected": ["absolute_claim"]},
        {"id": "d", "text": "Best regards", "lang": "en", "market": "US", "channel": "listing", "expected": []},
    ])
    lines = (tmp_path / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "dev.jsonl").write_text("\n".join(lines[2:]) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "eval", "checker", "--cases", str(cases))
    assert code == 0
    assert "per category" in out and "per language" in out and "environmental_claim" in out
    assert "misses: 0" in out and "false positives: 1" in out and "c [en] environmental_claim" in out


def test_eval_checker_scores_spans_where_quotes_are_labelled(tmp_path):
    from assistant.compliance.checker import Checker
    from assistant.compliance.evaluation import evaluate, load_cases
    from assistant.errors import InputError

    base = {"lang": "en", "market": "US", "channel": "listing", "expected": ["absolute_claim"]}
    label = lambda quote: [{"category": "absolute_claim", "quote": quote}]  # noqa: E731
    path = write_jsonl(tmp_path / "dev.jsonl", [
        {**base, "id": "right", "text": "The best board for a small kitchen.", "labels": label("best")},
        {**base, "id": "wrong", "text": "The best board for a small kitchen.", "labels": label("small kitchen")},
        {**base, "id": "unlabelled", "text": "The best board for a small kitchen."},
    ])
    result = evaluate(Checker(), load_cases(path))
    assert (result.overall.tp, result.overall.fp, result.overall.fn) == (3, 0, 0)  # categories: all right
    # spans: the finding on "best" is not where "wrong" says the problem is; "unlabelled" is not span-scored
    assert (result.span_overall.tp, result.span_overall.fp, result.span_overall.fn) == (1, 1, 1)
    assert result.span_scored == 2 and [(m.case_id, m.kind) for m in result.span_mistakes] == [("wrong", "wrong place")]
    # a missing element (no unsubscribe link) has no words to quote: null, scored by category only
    email = {"id": "mail", "lang": "en", "market": "US", "channel": "email", "expected": ["missing_unsubscribe"],
             "text": "Subject: Hi\n\nNew boards are in. Bambuu, 1 Main St, Springfield, IL 62701",
             "labels": [{"category": "missing_unsubscribe", "quote": None}]}
    write_jsonl(path, [email])
    result = evaluate(Checker(), load_cases(path))
    assert result.overall.tp == 1 and result.span_scored == 0
    write_jsonl(path, [{**base, "id": "typo", "text": "The best board.", "labels": label("the bestest")}])
    with pytest.raises(InputError, match="not in the case's text") as err:
        load_cases(path)
    assert f"{path}:1" in str(err.value.where)
