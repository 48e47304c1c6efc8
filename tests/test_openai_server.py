"""A real OpenAI-compatible server: llama-cpp-python's own (``llama_cpp.server``) serving the packaged
Gemma 3 270M on 127.0.0.1. It refuses ``response_format: json_schema`` and accepts a JSON object
with a schema, so ``auto`` must find its way. The tiny model's copy is not the point; the path is.

Slow (a listing takes one to two minutes on two busy cores): few tests, generous timeouts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from assistant.catalog import load_products
from assistant.errors import ProviderError
from assistant.llm import build_llm
from assistant.llm.openai_provider import METHODS, SETTING
from assistant.llm.prompts import PromptFile
from assistant.llm.structured import run_structured
from assistant.services import build_services
from assistant.settings import load_settings
from tests.conftest import SAMPLE_PRODUCTS
from tests.helpers import run_cli, served
from tests.requirements import require_module

require_module("llama_cpp.server", "llama-cpp-python's server (llama-cpp-python[server])",
               "install the test extra (make test does)")
pytestmark = [pytest.mark.local_model, pytest.mark.timeout(1800)]
SLOW = {"timeout_s": 900, "max_retries": 0, "max_output_tokens": 400}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from assistant.llm.local import assemble_gguf

    model = assemble_gguf(tmp_path_factory.mktemp("models"))
    with (tmp_path_factory.mktemp("server") / "server.log").open("w") as log, \
            served(lambda port: [sys.executable, str(Path(__file__).with_name("llama_server.py")), "--model",
                                 str(model), "--host", "127.0.0.1", "--port", str(port), "--chat_format", "gemma",
                                 "--n_ctx", "4096", "--verbose", "false"],
                   "/v1/models", timeout_s=180, log=log) as url:
        yield f"{url}/v1"


def test_generate_listing_with_auto_and_a_review_gated_revision(server, capsys, monkeypatch, product_file,
                                                                isolated_home):
    monkeypatch.setenv("OPENAI_BASE_URL", server)
    for key, value in SLOW.items():
        monkeypatch.setenv(f"ASSISTANT_{key.upper()}", str(value))
    code, out, err = run_cli(capsys, "generate", "listing", "--product", str(product_file), "--rounds", "1")
    assert code == 0, out + err  # every draft schema-valid (exit 3 otherwise)
    cache = json.loads((isolated_home / "cache" / "structured-output.json").read_text())
    [entry] = cache.values()
    assert entry["method"] == "json_object_schema" and "json_schema" in entry["skipped"]


@pytest.mark.parametrize("kind", ["search_ad", "email"])
def test_auto_yields_schema_valid_drafts(server, kind):
    svc = build_services(load_settings(provider="openai", openai_base_url=server, **SLOW))
    product = load_products(SAMPLE_PRODUCTS)[0]
    draft = svc.generator.generate(kind, product, svc.brand(), lang="en", market="US", revise_rounds=0)
    assert draft.status == "ok", draft.error
    assert draft.fields and svc.drafts.get(draft.id).raw_output


class Fact(BaseModel):
    colour: str = Field(min_length=1)
    count: int


PROMPT = PromptFile(name="fact", version=1, variables=["what"], system="You answer with JSON only.",
                    user="{what}: give the apple's colour and the number of pears.")


@pytest.mark.parametrize("method", list(METHODS))
def test_each_explicit_method_works_or_says_which_method_and_setting(server, method):
    llm = build_llm(load_settings(provider="openai", openai_base_url=server, openai_structured_method=method, **SLOW))
    try:
        out = run_structured(PROMPT, llm, Fact, {"what": "A red apple and three pears"})
    except ProviderError as exc:
        assert method == "json_schema", f"{method} was refused: {exc}"  # llama.cpp's server refuses only this one
        assert f"'{method}'" in str(exc) and f"{SETTING}=auto" in str(exc)
        return
    assert method != "json_schema"
    if method in ("json_object_schema", "function_calling"):  # the server constrains decoding to the schema
        assert isinstance(out.result.parsed, Fact)
    elif out.result.parsed is None:  # json_mode: a JSON object, but the fields are up to the model
        assert f"'{method}'" in str(out.result.error) and SETTING in str(out.result.error)
