"""The real embedded model (llama.cpp + Gemma 3 270M). Slow-ish: one generation per test."""

import pytest

from assistant.catalog import load_products
from assistant.generation.schemas import ProductListing
from assistant.services import build_services
from assistant.settings import load_settings
from tests.conftest import SAMPLE_PRODUCTS

pytestmark = pytest.mark.local_model


@pytest.fixture(scope="module")
def local_services(tmp_path_factory):
    pytest.importorskip("llama_cpp", reason="install the 'local' extra (make test does)")
    home = tmp_path_factory.mktemp("local-home")
    return build_services(load_settings(provider="local", home=home, max_output_tokens=700))


def test_local_model_writes_a_schema_valid_listing(local_services):
    product = load_products(SAMPLE_PRODUCTS)[1]
    draft = local_services.generator.generate("listing", product, local_services.brand(), lang="en", market="US",
                                              revise_rounds=0)
    assert draft.status == "ok", draft.error
    listing = ProductListing.model_validate(draft.fields)
    assert 3 <= len(listing.bullets) <= 5
    assert draft.provider == "local" and draft.model.startswith("gemma-3-270m")
    assert draft.usage.source == "provider" and draft.usage.prompt_tokens > 100
    assert local_services.drafts.get(draft.id).fields == draft.fields


@pytest.mark.parametrize(
    "kind, lang, market, opts",
    [
        ("search_ad", "en", "US", {}),  # ad family
        ("email", "de", "DE", {"segment": "loyal"}),
        ("social_post", "en", "US", {"platform": "x"}),
        ("video_script", "ja", "JP", {}),  # script family
    ],
)
def test_local_model_writes_schema_valid_drafts_per_family(local_services, kind, lang, market, opts):
    from assistant.generation.kinds import get_kind
    from assistant.generation.limits import hard_limit_violations

    product = load_products(SAMPLE_PRODUCTS)[0]
    draft = local_services.generator.generate(kind, product, local_services.brand(), lang=lang, market=market,
                                              revise_rounds=0, **opts)
    assert draft.status == "ok", draft.error
    spec = get_kind(kind)
    spec.schema_for(draft.request.platform).model_validate(draft.fields)
    assert hard_limit_violations(draft.fields, spec.limits(draft.request.platform)) == []
    if kind == "email":
        assert local_services.brand().legal_footer.postal_address in draft.rendered["body_html"]


def test_grammar_first_sampling_matches_full_vocabulary_grammar(local_services):
    """Greedy decoding without repetition penalty picks the highest-scoring grammar-allowed token either
    way, so checking the shortlist first must give exactly the text of constraining the whole
    vocabulary, and must need the whole vocabulary only on a small share of steps."""
    from assistant.llm.local import grammar_safe, load_llama

    chat = local_services.llm.chat
    llama = load_llama(chat.model_path, chat.n_ctx, chat.n_threads)
    schema = grammar_safe(ProductListing.model_json_schema())
    messages = [{"role": "user", "content": "Write a product listing as JSON for a 1.2 L bamboo lunch box."}]

    def run(grammar_first: bool) -> str:
        llama.grammar_first = grammar_first
        llama.reset()  # evaluate the prompt afresh each time: a cached prefix can shift the logits slightly
        try:
            out = llama.create_chat_completion(messages=messages, temperature=0.0, repeat_penalty=1.0,
                                               max_tokens=120, response_format={"type": "json_object", "schema": schema})
        finally:
            llama.grammar_first = True
        return out["choices"][0]["message"]["content"]

    stats = type(llama).grammar_stats
    steps, full = stats.steps, stats.full_vocab
    fast = run(True)
    assert stats.steps - steps >= 60, "the shortlist sampler did not run"
    assert (stats.full_vocab - full) / (stats.steps - steps) < 0.25
    assert fast == run(False)
    assert fast.lstrip().startswith("{")
