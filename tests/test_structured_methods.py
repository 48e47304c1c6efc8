"""Structured output on OpenAI-compatible servers that each accept different methods (a stub server;
the real llama.cpp server is in test_openai_server.py)."""

import json

import pytest

from assistant.catalog import load_products
from assistant.errors import ProviderError
from assistant.services import build_services
from assistant.settings import load_settings
from tests.conftest import SAMPLE_PRODUCTS
from tests.structured_stub import StubServer

PROBE_OK = {"colour": "red", "count": 3}


def generate(server: StubServer, **settings):
    svc = build_services(load_settings(provider="openai", openai_base_url=server.base_url, model="stub-model",
                                       max_retries=0, **settings))
    product = load_products(SAMPLE_PRODUCTS)[0]
    return svc, svc.generator.generate("listing", product, svc.brand(), lang="en", market="US", revise_rounds=0)


@pytest.mark.parametrize("accepts, chosen, skipped", [
    ({"json_schema", "json_object_schema", "function_calling", "json_mode"}, "json_schema", []),
    ({"json_object_schema", "json_mode"}, "json_object_schema", ["json_schema"]),  # llama.cpp's server
    ({"function_calling", "json_mode"}, "function_calling", ["json_schema", "json_object_schema"]),
    ({"json_mode"}, "json_mode", ["json_schema", "json_object_schema", "function_calling"]),
])
def test_auto_probes_once_per_server_and_model_and_caches_the_first_method_that_works(
        accepts, chosen, skipped, good_listing, isolated_home):
    with StubServer(accepts) as server:
        server.replies += [PROBE_OK, good_listing]
        _, draft = generate(server)
        assert draft.status == "ok", draft.error
        assert server.methods_asked() == [*skipped, chosen, chosen]
        cache = json.loads((isolated_home / "cache" / "structured-output.json").read_text())
        entry = cache[f"{server.base_url}|stub-model"]
        assert entry["method"] == chosen and sorted(entry["skipped"]) == sorted(skipped)
        server.replies.append(good_listing)  # a new process: the cached method, no probe
        _, again = generate(server)
        assert again.status == "ok" and server.methods_asked()[-1] == chosen
        assert len(server.requests) == len(skipped) + 3


def test_methods_that_may_not_see_the_schema_name_the_fields_in_the_prompt(good_listing):
    with StubServer({"json_object_schema"}) as server:
        server.replies += [good_listing]
        generate(server, openai_structured_method="json_object_schema")
        body = server.requests[0]
        schema = body["response_format"]["schema"]["properties"]
        assert schema["title"]["maxLength"] == 200 and "maxLength" not in schema["description"]  # no grammar blow-up
        prompt = body["messages"][-1]["content"]
        assert "- bullets (list of 3-5 text" in prompt and "The shape" not in prompt  # the server enforces it


def test_an_explicit_method_the_server_refuses_names_the_method_and_the_setting():
    with StubServer({"json_object_schema"}) as server, pytest.raises(ProviderError) as err:
        generate(server, openai_structured_method="json_schema")
    message = str(err.value)
    assert "'json_schema'" in message and "ASSISTANT_OPENAI_STRUCTURED_METHOD=auto" in message


def test_json_mode_reply_without_the_fields_is_repaired_once_then_stored_as_failed_naming_the_method():
    with StubServer({"json_mode"}) as server:
        server.replies += [{}, {}]
        svc, draft = generate(server, openai_structured_method="json_mode")
    assert draft.status == "failed" and "'json_mode'" in draft.error
    assert "ASSISTANT_OPENAI_STRUCTURED_METHOD" in draft.error
    assert svc.drafts.get(draft.id).raw_output == "{}"
    assert "The shape" in server.requests[0]["messages"][-1]["content"]  # fields and an example
    repair = server.requests[1]["messages"]
    assert "title: Field required" in repair[-1]["content"]


def test_auto_on_a_server_that_follows_no_method_says_what_each_did():
    with StubServer({"json_mode"}) as server, pytest.raises(ProviderError) as err:
        server.replies += ["I like apples"]
        generate(server)
    message = str(err.value)
    for method in ("json_schema", "json_object_schema", "function_calling", "json_mode"):
        assert f"{method}:" in message
    assert "I like apples" in message
