from assistant.compliance.checker import Checker
from assistant.compliance.judge import ModelJudge
from assistant.llm import LLMHandle
from assistant.services import build_services
from assistant.settings import load_settings


def judge_with(scripted):
    return ModelJudge(LLMHandle(scripted, "fake", "scripted"))


def test_model_findings_come_after_the_rules_and_are_marked(scripted):
    scripted.queue({"findings": [
        {"category": "medical_claim", "quote": "keeps you healthy", "message": "Implied health claim",
         "suggestion": "Remove it", "severity": "warning"},
        {"category": "absolute_claim", "quote": "not in the copy", "message": "Hallucinated quote"},
    ]})
    checker = Checker(judge=judge_with(scripted))
    text = "Title: The best board\nBullet: A board that keeps you healthy"
    report = checker.check_text(text, lang="en", market="US")
    rules = [f for f in report.findings if not f.model_judged]
    judged = [f for f in report.findings if f.model_judged]
    assert any(f.rule_id == "en.superlative.absolute" for f in rules)
    health = next(f for f in judged if f.category == "medical_claim")
    assert text[health.start:health.end] == "keeps you healthy" and health.field == "bullets[0]"
    assert next(f for f in judged if f.category == "absolute_claim").severity == "info"  # quote not found
    sent = scripted.received[0][-1].content
    assert "en.superlative" not in sent and "absolute_claim: The best" in sent and "keeps you healthy" in sent


def test_bad_model_output_is_repaired_once_then_an_info_finding_not_a_crash(scripted):
    scripted.queue("this is not JSON", '{"findings": "still not a list"}')
    report = Checker(judge=judge_with(scripted)).check_text("A quiet kettle", lang="en", market="US")
    assert [f.rule_id for f in report.findings] == ["model.review_failed"]
    assert report.findings[0].severity == "info" and not report.has_errors
    repair = scripted.received[1]
    assert repair[-2].content == "this is not JSON"  # the bad reply, then what was wrong and the fields wanted
    assert "did not fit" in repair[-1].content and "- findings (list of" in repair[-1].content


def test_model_review_is_off_by_default_and_a_setting_turns_it_on(scripted, monkeypatch):
    assert build_services(load_settings(provider="fake")).checker.judge is None
    monkeypatch.setenv("ASSISTANT_CHECKER_MODEL_REVIEW", "true")
    services = build_services(load_settings(provider="fake"), llm=LLMHandle(scripted, "fake", "scripted"))
    assert isinstance(services.checker.judge, ModelJudge)
