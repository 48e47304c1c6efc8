"""The generation eval's scoring, run end to end on the scripted model (the real run uses the
configured provider: `assistant eval generation`)."""

from assistant.generation.evaluate import EVAL_DIR, run_generation_eval
from assistant.catalog import load_products
from tests.test_kinds import SAMPLES

def test_eval_catalogue_is_big_and_varied():
    products = load_products(EVAL_DIR / "products.jsonl")
    assert len(products) >= 20 and len({p.category.split(" > ")[0] for p in products}) >= 12

def test_eval_reports_rates_tokens_and_breakdowns(services, scripted):

    scripted.queue(SAMPLES["social_post"], SAMPLES["email"], {"text": "Dieses Brett hat eine tiefe Saftrille für Braten.",
                                                               "hashtags": []}, SAMPLES["email"])
    services.generator.revise_rounds = 0
    result = run_generation_eval(services, kinds=["social_post", "email"], langs=["en"], limit=2)
    s = result["summary"]
    assert s["cases"] == 4 and s["schema_valid_rate"] == 1.0 and s["hard_limit_compliance"] == 1.0
    assert s["language_id_match_rate"] < 1.0 and s["error_findings_after_revise"] >= 1
    assert s["prompt_tokens"] > 0 and set(result["by_kind"]) == {"social_post", "email"}
    assert [c["kind"] for c in result["cases"]] == ["social_post", "email", "social_post", "email"]


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
