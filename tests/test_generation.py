import pytest

from assistant.catalog import load_products
from assistant.errors import ConfigError, ProviderError
from assistant.llm.prompts import PromptLibrary
from assistant.llm.tokens import OFFLINE_ENCODING
from tests.conftest import SAMPLE_PRODUCTS


@pytest.fixture
def product():
    return load_products(SAMPLE_PRODUCTS)[0]


def test_listing_chain_end_to_end_with_scripted_model(services, scripted, product, good_listing):
    scripted.queue(good_listing)
    draft = services.generator.generate("listing", product, services.brand(), lang="en", market="US")
    assert draft.id is not None and draft.status == "ok"
    assert draft.fields["title"] == good_listing["title"]
    assert (draft.prompt_name, draft.prompt_version) == ("listing", 2)
    # product facts, brand basics and language went into the prompt
    sent = "\n".join(m.content for m in scripted.received[0])
    assert "45 x 30 x 2 cm" in sent and "Bambuu Home" in sent and "English" in sent
    assert "meta_title: max 60 characters" in sent
    # the JSON schema given to the model carries the limits
    schema = scripted.call_kwargs[0]["json_schema"]
    assert schema["properties"]["meta_title"]["maxLength"] == 60
    assert schema["properties"]["bullets"]["maxItems"] == 5
    # tokens counted offline (the scripted model reports none), cost known
    assert draft.usage.source == "counted" and draft.usage.encoding == OFFLINE_ENCODING
    assert draft.usage.prompt_tokens > 100 and draft.usage.completion_tokens > 20
    assert draft.usage.cost_usd == 0.0


def test_findings_and_fixes_are_stored_with_the_draft(services, scripted, product, good_listing):
    scripted.queue({**good_listing, "title": "Lorem ipsum board TODO", "meta_title": "Bamboo board " * 6},
                   {"t1": "Bamboo board, juice groove"})  # the over-long meta title goes back once
    draft = services.generator.generate("listing", product, services.brand(), lang="en", market="US",
                                        revise_rounds=0)
    stored = services.drafts.get(draft.id)
    assert stored.report == draft.report
    assert any(f.field == "title" and f.category == "quality" for f in stored.report.findings)
    assert stored.fields["meta_title"] == "Bamboo board, juice groove"
    assert stored.fixes == ["meta_title: shortened by the model from 78 to 26 chars (limit 60)"]
    assert "at most 60 characters (now 78)" in scripted.received[1][-1].content


def test_a_reply_that_does_not_fit_is_retried_once_with_compact_limits(services, scripted, product, good_listing):
    scripted.queue('{"title": "cut off at the token li', good_listing)
    draft = services.generator.generate("listing", product, services.brand(), lang="en", market="US", revise_rounds=0)
    assert draft.status == "ok" and draft.fields["title"] == good_listing["title"]
    assert "retried once" in draft.fixes[0]
    first, retry = (kw["json_schema"]["properties"] for kw in scripted.call_kwargs)
    assert first["description"]["maxLength"] == 2000 and retry["description"]["maxLength"] == 200
    assert first["bullets"]["maxItems"] == 5 and retry["bullets"]["maxItems"] == 3
    assert retry["meta_title"]["maxLength"] == 60  # tighter limits stay


def test_the_repair_request_quotes_the_validation_errors_and_names_the_fields(services, scripted, product,
                                                                               good_listing):
    scripted.queue('{"title": "only a title"}', good_listing)
    draft = services.generator.generate("listing", product, services.brand(), lang="en", market="US", revise_rounds=0)
    assert draft.status == "ok" and "validation errors" in draft.fixes[0]
    repair = scripted.received[1]
    assert repair[-2].content == '{"title": "only a title"}'
    assert "- bullets: Field required" in repair[-1].content
    assert "- meta_title (text, at most 60 characters)" in repair[-1].content


def test_unparseable_reply_is_stored_as_failed_with_raw_text(services, scripted, product):
    scripted.queue('{"title": "only a title"}', '{"title": "only a title"}')
    draft = services.generator.generate("listing", product, services.brand(), lang="zh", market="CN")
    assert draft.status == "failed" and "schema" in draft.error
    assert services.drafts.get(draft.id).raw_output == '{"title": "only a title"}'


def test_provider_failure_is_our_error(services, scripted, product):
    scripted.queue(RuntimeError("connection refused"))
    with pytest.raises(ProviderError, match="connection refused"):
        services.generator.generate("listing", product, services.brand(), lang="en", market="US")
    assert services.drafts.list() == []


def test_storage_round_trip(services, scripted, product, good_listing):
    scripted.queue(good_listing, good_listing)
    a = services.generator.generate("listing", product, services.brand(), lang="en", market="US")
    b = services.generator.generate("listing", product, services.brand(), lang="de", market="DE", revise_rounds=0)
    assert services.drafts.get(a.id) == a
    assert [d.id for d in services.drafts.list()] == [a.id, b.id]
    assert services.drafts.get(b.id).request.lang == "de"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("name: p\nversion: 1\nvariables: [a]\nsystem: 'S {a}'\nuser: 'U {b}'\n", "undeclared placeholders ['b']"),
        ("name: p\nversion: 1\nvariables: [a, c]\nsystem: 'S {a}'\nuser: 'U'\n", "declared but unused variables ['c']"),
        ("name: p\nversion: 0\nvariables: []\nsystem: 'S'\nuser: 'U'\n", "version"),
        ("name: q\nversion: 1\nvariables: []\nsystem: 'S'\nuser: 'U'\n", "declares name 'q'"),
    ],
)
def test_prompt_loader_refuses_mismatched_templates(tmp_path, body, expected):
    (tmp_path / "p.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        PromptLibrary(tmp_path).get("p")
    assert expected in str(err.value) and "p.yaml" in str(err.value)


def test_shipped_prompts_load(services):
    for name in services.prompts.names():
        assert services.prompts.get(name).version >= 1


def test_claims_not_in_the_product_facts_are_flagged_in_generated_drafts(services, scripted, product, good_listing):
    wrong = {**good_listing, "description": "A sturdy 50 x 30 cm board made of walnut, made in Germany."}
    scripted.queue(wrong, good_listing)  # the reviser gets one round; its answer is grounded
    draft = services.generator.generate("listing", product, services.brand(), lang="en", market="US",
                                        revise_rounds=0)
    flagged = {draft.fields["description"][f.start:f.end] for f in draft.report.findings
               if f.category == "unsupported_claim" and f.field == "description"}
    assert any("50" in s for s in flagged) and any("walnut" in s.lower() for s in flagged)
    assert not [f for f in services.generator.generate(
        "listing", product, services.brand(), lang="en", market="US", revise_rounds=0).report.findings
        if f.category == "unsupported_claim"]


def test_customer_data_never_reaches_the_model_unless_allowed(services, scripted, product, good_listing):
    private = product.model_copy(update={"facts": {**product.facts, "customer_email": "li.wei@example.com",
                                                   "note": "call +1 415 555 0199 before shipping"}})
    scripted.queue(good_listing)
    services.generator.generate("listing", private, services.brand(), lang="en", market="US", revise_rounds=0)
    sent = "\n".join(m.content for m in scripted.received[-1])
    assert "li.wei@example.com" not in sent and "555 0199" not in sent
    assert "45 x 30 x 2 cm" in sent  # the product's own facts still go in
    services.generator.allow_customer_data = True
    scripted.queue(good_listing)
    services.generator.generate("listing", private, services.brand(), lang="en", market="US", revise_rounds=0)
    assert "li.wei@example.com" in "\n".join(m.content for m in scripted.received[-1])


def test_generation_retrieves_settings_retrieval_k_passages_with_the_evaluated_query(scripted, product, good_listing):
    from assistant.generation.service import guideline_query
    from assistant.llm import LLMHandle
    from assistant.retrieval import Passage
    from assistant.services import build_services
    from assistant.settings import load_settings

    calls = []

    class Recorder:
        def retrieve(self, brand, query, *, lang=None, k=4):
            calls.append((brand, query, lang, k))
            return [Passage(id=f"p{i}", source="en/voice.md", section="Voice", text="Plain words.", lang="en")
                    for i in range(k)]

    svc = build_services(load_settings(provider="fake", retrieval_k=7), llm=LLMHandle(scripted, "fake", "scripted"))
    svc.__dict__["retriever"] = Recorder()
    scripted.queue(good_listing)
    draft = svc.generator.generate("listing", product, svc.brand(), lang="en", market="US", revise_rounds=0)
    assert calls == [("bambuu", guideline_query(product, "listing"), "en", 7)] and len(draft.guideline_ids) == 7
