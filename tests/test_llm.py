import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from assistant.errors import ConfigError, ProviderError
from assistant.llm import PROVIDERS, build_llm
from assistant.llm.fake import ScriptedChatModel
from assistant.llm.tokens import OFFLINE_ENCODING, TokenCounter, estimate_cost
from assistant.settings import load_settings


class Pair(BaseModel):
    a: int
    b: str


def test_unknown_provider_lists_valid_ones():
    with pytest.raises(ConfigError) as err:
        build_llm(load_settings(provider="gpt-magic"))
    message = str(err.value)
    assert "gpt-magic" in message
    for name in PROVIDERS:
        assert name in message


def test_registry_builds_fake_and_openai_without_network(monkeypatch):
    assert build_llm(load_settings(provider="fake")).provider == "fake"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    handle = build_llm(load_settings(model="qwen2.5-7b-instruct"))
    assert handle.provider == "openai" and handle.model_name == "qwen2.5-7b-instruct"
    assert str(handle.chat.openai_api_base).startswith("http://127.0.0.1:9")


def test_scripted_model_replays_queue_and_records_messages():
    model = ScriptedChatModel().queue("first", {"a": 1, "b": "x"})
    assert model.invoke("hello").content == "first"
    structured = model.with_structured_output(Pair)
    assert structured.invoke([HumanMessage("give me a pair")]) == Pair(a=1, b="x")
    assert [m[-1].content for m in model.received] == ["hello", "give me a pair"]
    assert "json_schema" in model.call_kwargs[1]
    with pytest.raises(ProviderError, match="no reply queued"):
        model.invoke("again")


def test_structured_output_keeps_raw_text_on_bad_json():
    model = ScriptedChatModel().queue("this is not json {")
    out = model.with_structured_output(Pair, include_raw=True).invoke("x")
    assert out["parsed"] is None
    assert out["parsing_error"] is not None
    assert out["raw"].content == "this is not json {"


def test_structured_output_tolerates_fences_and_raw_newlines():
    model = ScriptedChatModel().queue('```json\n{"a": 2, "b": "line one\nline two"}\n```')
    assert model.with_structured_output(Pair).invoke("x") == Pair(a=2, b="line one\nline two")


def test_token_counting_works_offline_and_reports_encoding():
    counter = TokenCounter("gpt-4o-mini")  # its o200k encoding cannot be downloaded here
    assert counter.encoding in {"o200k_base", OFFLINE_ENCODING}
    assert counter.count("hello world") == 2
    assert counter.count("竹制砧板") > 0
    assert TokenCounter("some-unknown-model").encoding == OFFLINE_ENCODING


def test_cost_estimate_from_price_table():
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert estimate_cost("gpt-4o-mini-2024-07-18", 1_000_000, 0) == pytest.approx(0.15)
    assert estimate_cost("mystery-model", 10, 10) is None
    assert estimate_cost("anything", 10, 10, provider="local") == 0.0


def test_a_service_tier_pays_its_share_of_the_list_price_from_the_table():
    from assistant.llm.tokens import BATCH_TIER, tier_share

    assert 0 < tier_share(BATCH_TIER) < 1  # the Batch API's discount is data (prices.yaml), not code
    assert tier_share(None) == tier_share("no-such-tier") == 1.0
    listed = estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000)
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000, tier=BATCH_TIER) == pytest.approx(
        listed * tier_share(BATCH_TIER))
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000, tier="default") == pytest.approx(listed)


@pytest.mark.parametrize("metadata, share", [({"service_tier": "batch"}, "batch"), ({}, None),
                                              ({"service_tier": "default"}, None)])
def test_an_answers_cost_follows_its_service_tier(metadata, share):
    from langchain_core.messages import AIMessage

    from assistant.llm.base import LLMHandle, StructuredResult
    from assistant.llm.structured import _usage
    from assistant.llm.tokens import tier_share

    raw = AIMessage("{}", response_metadata=metadata,
                    usage_metadata={"input_tokens": 1000, "output_tokens": 500, "total_tokens": 1500})
    usage = _usage(StructuredResult(raw, None, None), "", LLMHandle(None, "openai", "gpt-4o-mini"))
    assert usage.cost_usd == pytest.approx(estimate_cost("gpt-4o-mini", 1000, 500) * tier_share(share))


def test_local_context_pool_keeps_one_context_per_prompt_shape(monkeypatch, tmp_path):
    """Requests go to the pooled llama.cpp context whose previous prompt shares the longest opening, so
    alternating draft and revise prompts each keep their cached prefix; a full pool recycles the
    least recently used context."""
    from assistant.llm import local

    made = []
    monkeypatch.setattr(local, "_POOLS", {})
    monkeypatch.setattr(local, "_new_llama", lambda *args: made.append(object()) or made[-1])
    monkeypatch.setattr(local, "POOL_SIZE", 3)
    shape = {name: f"system: {name} " + name * 300 for name in ("draft", "revise", "shorten", "translate")}
    path = tmp_path / "model.gguf"

    def llama_for(name, product):
        return local.context_for(path, 4096, 1, shape[name] + f"\nuser: {product}").llama

    draft, revise = llama_for("draft", "lunch box"), llama_for("revise", "lunch box")
    assert draft is not revise
    assert llama_for("draft", "cutting board") is draft and llama_for("revise", "cutting board") is revise
    shorten = llama_for("shorten", "cutting board")
    assert len(made) == 3 and shorten not in (draft, revise)
    assert llama_for("draft", "tea set") is draft
    assert llama_for("translate", "tea set") is revise  # pool full: the least recently used one is reused
    assert local.load_llama(path, 4096, 1) is draft and len(made) == 3
