"""The generation eval's scoring, run end to end on the scripted model (the real run uses the
configured provider: `assistant eval generation`)."""

import pytest

from assistant.generation.evaluate import EVAL_DIR, run_generation_eval
from tests.test_cli import run
from assistant.catalog import load_products
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
    assert s["cases"] == 4 and s["schema_valid_rate"] == 1.0 and s["hard_limit_compliance"] == 1.0
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
