"""The real embedded model (llama.cpp + Gemma 3 270M). Slow-ish: one generation per test."""

import json

import numpy as np
import pytest

from assistant.catalog import load_products
from assistant.generation.schemas import ProductListing
from assistant.services import build_services
from assistant.settings import load_settings
from tests.conftest import SAMPLE_PRODUCTS
from tests.requirements import require_llama_cpp

pytestmark = pytest.mark.local_model


@pytest.fixture(scope="module")
def local_services(tmp_path_factory):
    home = tmp_path_factory.mktemp("local-home")
    require_llama_cpp(home / "models")
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


def _apply(sampler, logits: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Apply a llama.cpp sampler to every token with ``logits`` (a copy); returns the token data after it
    (ids, logits), how many tokens it kept and which one it selected (-1: none)."""
    import ctypes

    import llama_cpp

    from assistant.llm.grammar_first import TOKEN_DTYPE

    buffer = (llama_cpp.llama_token_data * len(logits))()
    view = np.frombuffer(buffer, dtype=TOKEN_DTYPE)
    view["id"], view["logit"], view["p"] = np.arange(len(logits)), logits, 0.0
    array = llama_cpp.llama_token_data_array(data=ctypes.cast(buffer, llama_cpp.llama_token_data_p), size=len(logits),
                                             selected=-1, sorted=False)
    llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
    return view, int(array.size), int(array.selected)


def test_grammar_first_sampler_picks_the_best_grammar_allowed_token(local_services):
    """Step level, on identical logits: the grammar-first chain and llama-cpp-python's own full-vocabulary
    grammar chain each pick a token whose score is the highest among the tokens the grammar allows (found
    here by applying a separate grammar sampler to the whole vocabulary). Each step is also replayed with
    the top of the ranking taken over by disallowed tokens, so the wide shortlist and the full-vocabulary
    fallback are exercised as well. No two generations are compared, so nothing rests on bit-identical
    logits across runs or contexts."""
    import llama_cpp

    from assistant.llm.grammar_first import WIDE_FACTOR
    from assistant.llm.local import grammar_safe, load_llama

    chat = local_services.llm.chat
    llama = load_llama(chat.model_path, chat.n_ctx, chat.n_threads)
    grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(grammar_safe(ProductListing.model_json_schema())),
                                                      verbose=False)
    top_k = 40
    chains = {}
    for grammar_first in (True, False):
        llama.grammar_first = grammar_first
        llama.reset()  # evaluate the prompt afresh each time: a cached prefix can shift the logits slightly
        try:
            chains[grammar_first] = llama._init_sampler(top_k=top_k, temp=0.0, repeat_penalty=1.0, grammar=grammar)
        finally:
            llama.grammar_first = True
    reference = llama_cpp.llama_sampler_init_grammar(llama._model.vocab, grammar._grammar.encode(),
                                                     grammar._root.encode())

    def allowed_mask(logits: np.ndarray) -> np.ndarray:
        view, size, _ = _apply(reference, logits)
        mask = np.zeros(len(logits), dtype=bool)
        mask[view["id"][:size][np.isfinite(view["logit"][:size])]] = True
        return mask

    def bury_allowed(logits: np.ndarray, mask: np.ndarray, above: int) -> np.ndarray:
        """``logits`` with the ``above`` best disallowed tokens lifted over every allowed one."""
        out = logits.copy()
        disallowed = np.flatnonzero(~mask)
        lifted = disallowed[np.argsort(out[disallowed])[::-1][:above]]
        out[lifted] += out[mask].max() - out.min() + 1.0
        return out

    stats = type(llama).grammar_stats
    before = (stats.steps, stats.wide, stats.full_vocab)
    prompt = llama.tokenize(b"<start_of_turn>user\nWrite a product listing as JSON for a 1.2 L bamboo lunch box."
                            b"<end_of_turn>\n<start_of_turn>model\n", add_bos=True, special=True)
    llama.reset()
    llama.eval(prompt)
    steps = 0
    try:
        for _ in range(24):
            logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),)).copy()
            mask = allowed_mask(logits)
            assert mask.any(), "the grammar allows no token"
            variants = [logits, bury_allowed(logits, mask, top_k)]
            if (~mask).sum() > top_k * WIDE_FACTOR:
                variants.append(bury_allowed(logits, mask, top_k * WIDE_FACTOR))
            for variant in variants:
                best = variant[mask].max()
                for grammar_first, chain in chains.items():
                    view, size, selected = _apply(chain.sampler, variant)
                    assert 0 <= selected < size
                    token = int(view[selected]["id"])
                    assert mask[token] and variant[token] == best, (grammar_first, steps, token)
            token = int(np.flatnonzero(mask & (logits == logits[mask].max()))[0])
            for chain in chains.values():
                chain.accept(token)
            llama_cpp.llama_sampler_accept(reference, token)
            steps += 1
            if llama_cpp.llama_vocab_is_eog(llama._model.vocab, token):
                break
            llama.eval([token])
    finally:
        llama_cpp.llama_sampler_free(reference)
        for chain in chains.values():
            chain.close()
        llama.reset()
    assert steps >= 20
    assert stats.steps - before[0] >= steps, "the grammar-first prefilter did not run"
    assert stats.wide > before[1] and stats.full_vocab > before[2], "the wider shortlist or the fallback never ran"


def test_markup_tokens_are_never_copy(local_services):
    """The model's markup tokens (<start_of_image>, <start_of_turn>, <unusedN>) get the ban bias in every
    field of a field-by-field generation; end-of-generation tokens stay allowed (the value must end)."""
    from assistant.llm.fieldwise import BAN_BIAS, FIELDS_KEY, generate_fields, markup_bias
    from assistant.llm.local import load_llama

    chat = local_services.llm.chat
    llama = load_llama(chat.model_path, chat.n_ctx, chat.n_threads)
    bias = markup_bias(llama)
    for markup in ("<start_of_image>", "<start_of_turn>", "<unused12>"):
        (token,) = llama.tokenize(markup.encode(), add_bos=False, special=True)
        assert bias.get(token) == BAN_BIAS, markup
    assert llama.token_eos() not in bias
    assert not bias.keys() & set(llama.tokenize(b" Bambuu Schneidebrett", add_bos=False, special=False))

    seen: list[dict[int, float]] = []
    create = llama.create_completion

    def spy(*args, **kwargs):
        seen.append(dict(llama.token_bias))
        return create(*args, **kwargs)

    llama.create_completion = spy
    try:
        schema = {"type": "object", "properties": {"title": {"type": "string", "maxLength": 40}},
                  FIELDS_KEY: {"title": "Titel"}}
        generate_fields(llama, "Produkt: Schneidebrett aus Bambus\n", schema, {"temperature": 0.0}, lambda p: p)
    finally:
        del llama.create_completion
    assert seen and all(bias.items() <= s.items() for s in seen)
