"""The generation eval's scoring, run end to end on the scripted model (the real run uses the
configured provider: `assistant eval generation`)."""

import pytest

from assistant.generation.evaluate import EVAL_DIR, run_generation_eval
from assistant.catalog import load_products
from assistant.generation.evaluate import Case, summarise
from tests.test_cli import run
from tests.test_kinds import SAMPLES


def test_eval_catalogue_is_big_and_varied():
    products = load_products(EVAL_DIR / "products.jsonl")
    assert len(products) >= 20 and len({p.category.split(" > ")[0] for p in products}) >= 12

def test_eval_reports_rates_tokens_and_breakdowns(services, scripted):

    scripted.queue(SAMPLES["social_post"], {"text": "Dieses Brett hat eine tiefe Saftrille für Braten.", "hashtags": []},
                   SAMPLES["email"], SAMPLES["email"])
    services.generator.revise_rounds = 0
    result = run_generation_eval(services, kinds=["social_post", "email"], langs=["en"], limit=2)
    s = result["summary"]
    assert s["cases"] == 4 and s["schema_valid_first_reply"] == s["schema_valid_after_retry"] == 1.0
    assert s["hard_limits_raw_recorded"] == 4 and s["hard_limits_raw"] == s["hard_limits_delivered"] == 1.0
    assert s["language_id_match_rate"] < 1.0 and s["error_findings_after_revise"] >= 1
    assert s["prompt_tokens"] > 0 and set(result["by_kind"]) == {"social_post", "email"}
    # kind by kind, so consecutive prompts share their opening (a provider's prompt cache reads it once)
    assert [c["kind"] for c in result["cases"]] == ["social_post", "social_post", "email", "email"]


def test_eval_resumes_from_its_log_without_repeating_cases(services, scripted, tmp_path):
    log = tmp_path / "run.jsonl"
    services.generator.revise_rounds = 0
    scripted.queue(SAMPLES["social_post"], SAMPLES["email"])
    first = run_generation_eval(services, kinds=["social_post", "email"], langs=["en"], limit=1, log=log)
    assert first["summary"]["cases"] == 2 and len(log.read_text().splitlines()) == 2
    calls = len(scripted.received)
    scripted.queue(SAMPLES["social_post"], SAMPLES["email"])  # only the second product's cases run now
    second = run_generation_eval(services, kinds=["social_post", "email"], langs=["en"], limit=2, log=log)
    assert second["summary"]["cases"] == 4 and second["planned_cases"] == 4
    assert len(scripted.received) - calls == 2 and len(log.read_text().splitlines()) == 4


def test_eval_shards_split_the_products_and_report_only_generates_nothing(services, scripted, tmp_path):
    log = tmp_path / "run.jsonl"
    services.generator.revise_rounds = 0
    products = load_products(EVAL_DIR / "products.jsonl")[:3]
    scripted.queue(SAMPLES["social_post"], SAMPLES["social_post"])  # shard 0 of 2: products 1 and 3
    run_generation_eval(services, kinds=["social_post"], langs=["en"], limit=3, log=log, shard=(0, 2))
    scripted.queue(SAMPLES["social_post"])  # shard 1 of 2: product 2
    run_generation_eval(services, kinds=["social_post"], langs=["en"], limit=3, log=log, shard=(1, 2))
    calls = len(scripted.received)
    report = run_generation_eval(services, kinds=["social_post"], langs=["en"], limit=4, log=log, report_only=True)
    assert len(scripted.received) == calls, "report_only must not call the model"
    assert sorted(c["sku"] for c in report["cases"]) == sorted(p.sku for p in products)
    assert report["summary"]["cases"] == 3 and report["planned_cases"] == 4


@pytest.mark.parametrize("argv", [["--shard", "2/2"], ["--shard", "1"], ["--shard", "a/b"], ["--report-only"]])
def test_eval_cli_refuses_bad_shard_or_report_without_log(capsys, argv):
    code, out, err = run(capsys, "eval", "generation", *argv)
    assert code == 2 and ("I/N" in err + out or "--log" in err + out)


def test_eval_log_with_a_cut_off_line_names_the_line_and_keeps_the_log(capsys, tmp_path):
    log = tmp_path / "run.jsonl"
    log.write_text('{"sku": "EV-01", "kind": "listing", "lang"\n', encoding="utf-8")
    code, out, err = run(capsys, "eval", "generation", "--log", str(log), "--report-only")
    assert code == 2 and "line 1" in err + out and "run.jsonl" in err + out
    assert log.read_text(encoding="utf-8") == '{"sku": "EV-01", "kind": "listing", "lang"\n'


def test_hard_limits_are_measured_on_the_models_reply_before_trimming(services, scripted):
    """A headline over its 30-character limit: the shortening call does not help, code trims it. The
    delivered copy is within limits; the model's reply was not, and the case says it was trimmed."""
    long_headline = "The Sturdiest Bamboo Cutting Board For Every Kitchen"
    reply = SAMPLES["search_ad"] | {"headlines": [long_headline, *SAMPLES["search_ad"]["headlines"][1:]]}
    scripted.queue(reply, {"t1": long_headline})  # the draft, then the shortening call (no shorter)
    services.generator.revise_rounds = 0
    result = run_generation_eval(services, kinds=["search_ad"], langs=["en"], limit=1)
    [case], s = result["cases"], result["summary"]
    assert case["raw_within_hard_limits"] is False and case["raw_violations"] == ["headlines[0]"]
    assert case["trimmed"] is True and case["shortened"] is False and case["within_hard_limits"] is True
    assert s["hard_limits_raw"] == 0.0 and s["hard_limits_delivered"] == 1.0 and s["trimmed_by_code"] == 1


def case(**overrides) -> Case:
    base = dict(sku="S", kind="listing", lang="en", market="US", schema_valid=True, within_hard_limits=True,
                language_match=True, errors_first=0, errors_final=0, rounds=0, prompt_tokens=1, completion_tokens=1,
                cost_usd=0.0, latency_ms=1)
    return Case(**(base | overrides))


def test_unidentified_language_is_a_miss_and_retried_replies_are_not_first_reply_valid():
    s = summarise([case(), case(language_match=None, retried=True), case(language_match=False), case()])
    assert s["language_id_match_rate"] == 0.5 and s["language_id_undetermined"] == 1
    assert s["language_id_undetermined_rate"] == 0.25
    assert s["schema_valid_first_reply"] == 0.75 and s["schema_valid_after_retry"] == 1.0
    # logs written before raw limits were recorded: reported as not recorded, not as 100%
    assert s["hard_limits_raw"] is None and s["hard_limits_raw_recorded"] == 0 and s["hard_limits_delivered"] == 1.0
