"""The revise loop: findings go back to a reviser chain until no errors remain or the round limit."""

import pytest

from assistant.catalog import load_products
from assistant.compliance.models import Finding
from assistant.generation.revise import feedback
from assistant.compliance.models import CheckReport
from assistant.services import build_services
from assistant.settings import load_settings
from assistant.llm import LLMHandle
from tests.conftest import SAMPLE_PRODUCTS
from tests.test_kinds import SAMPLES

GOOD = SAMPLES["social_post"]
# German text requested in English: the checker's language-ID reports an error every round
WRONG_LANGUAGE = {"text": "Dieses Schneidebrett aus Bambus hat eine tiefe Saftrille und zwei Seiten zum Servieren.",
                  "hashtags": ["#kueche"]}


@pytest.fixture
def product():
    return load_products(SAMPLE_PRODUCTS)[0]


def post(services, product, **opts):
    return services.generator.generate("social_post", product, services.brand(), lang="en", market="US", **opts)


def test_loop_stops_at_the_round_limit_and_stores_every_round(services, scripted, product):
    scripted.queue(WRONG_LANGUAGE, WRONG_LANGUAGE, WRONG_LANGUAGE, WRONG_LANGUAGE)
    final = post(services, product, revise_rounds=2)
    rounds = services.generator.history(final)
    assert [d.round for d in rounds] == [0, 1, 2]
    assert [d.revision_of for d in rounds] == [None, rounds[0].id, rounds[1].id]
    assert [d.prompt_name for d in rounds] == ["social_post", "revise", "revise"]
    assert all(d.report.has_errors for d in rounds)
    assert len(scripted.received) == 3 and scripted.replies == [WRONG_LANGUAGE]  # no fourth call
    revise_prompt = scripted.received[1][-1].content
    assert "Saftrille" in revise_prompt and "not English" in revise_prompt  # the draft and the finding


def test_loop_stops_as_soon_as_the_errors_are_gone(services, scripted, product):
    scripted.queue(WRONG_LANGUAGE, GOOD)
    final = post(services, product, revise_rounds=3)
    assert final.round == 1 and not final.report.has_errors and final.fields["text"] == GOOD["text"]
    assert len(services.drafts.list()) == 2


def test_a_clean_first_draft_is_not_revised(services, scripted, product):
    scripted.queue(GOOD)
    assert post(services, product, revise_rounds=3).round == 0 and len(scripted.received) == 1


def test_an_unparseable_revision_is_stored_and_the_last_good_round_returned(services, scripted, product):
    scripted.queue(WRONG_LANGUAGE, "sorry, I cannot do that", "still not JSON")  # the retry fails too
    final = post(services, product, revise_rounds=2)
    stored = services.drafts.list()
    assert [d.status for d in stored] == ["ok", "failed", "ok"] and stored[1].raw_output == "still not JSON"
    # the good first round is stored again as the newest round, so the current version is usable
    assert final.id == stored[2].id and final.fields == stored[0].fields and final.revision_of == stored[1].id
    assert "restored" in final.fixes[-1] and final.usage.prompt_tokens == 0


def test_a_revision_that_makes_things_worse_is_not_kept(services, scripted, product):
    worse = {"text": "The BEST board ever!!! 100% eco-friendly. Dieses Brett ist das beste.", "hashtags": []}
    scripted.queue(WRONG_LANGUAGE, worse)
    final = post(services, product, revise_rounds=1)
    rounds = services.generator.history(final)
    rank = lambda d: (d.report.counts()["error"], -d.report.score)  # noqa: E731
    assert [d.round for d in rounds] == [0, 1, 2]
    assert rank(rounds[1]) > rank(rounds[0])  # the revision really was worse
    assert final.fields == rounds[0].fields and rank(final) == rank(rounds[0])


def test_round_limit_comes_from_settings(scripted, product):
    svc = build_services(load_settings(provider="fake", revise_rounds=1), llm=LLMHandle(scripted, "fake", "scripted"))
    scripted.default_reply = WRONG_LANGUAGE
    final = post(svc, product)
    assert final.round == 1 and len(scripted.received) == 2


def test_feedback_lists_error_findings_with_their_fix():
    report = CheckReport(findings=[
        Finding(category="quality", rule_id="a", severity="error", start=0, end=4, field="title", matched="best",
                message="Absolute claim", suggestion="Say what it does"),
        Finding(category="quality", rule_id="b", severity="warning", start=0, end=0, message="a warning"),
    ])
    assert feedback(report) == '1. Absolute claim in title ("best"). Fix: Say what it does'


def test_report_shows_before_and_after(services, scripted, product, tmp_path):
    from assistant.export import write_report

    scripted.queue(WRONG_LANGUAGE, GOOD)
    final = post(services, product, revise_rounds=1)
    html = write_report([final], tmp_path / "r.html", earlier=services.generator.history(final)).read_text()
    assert f"Revision round 1 of #{final.revision_of}" in html
    assert "before: Dieses Schneidebrett" in html and GOOD["text"] in html
