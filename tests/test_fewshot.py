"""The local provider's prompts for a base model: plain completion text with few-shot examples (never
chat markup), examples valid for every kind, the CJK script constraint in the grammar."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from assistant.catalog import load_products
from assistant.errors import ConfigError
from assistant.generation import fewshot
from assistant.generation.kinds import KINDS
from assistant.llm import LLMHandle
from assistant.llm.script_grammar import constrain_script, no_raw_controls
from assistant.services import build_services
from assistant.settings import load_settings
from tests.conftest import SAMPLE_PRODUCTS

CHAT_MARKUP = ["[INST]", "[/INST]", "<<SYS>>", "<</SYS>>", "<start_of_turn>", "<|im_start|>"]


class RecordingLlama:
    """Stands in for ``llama_cpp.Llama``: records every prompt and answers each field's grammar with a
    value of the right shape, so drafts parse and the revise round runs too."""

    def __init__(self):
        self.prompts: list[str] = []
        self.options: list[dict] = []
        self.vocab: dict[str, int] = {}

    def tokenize(self, text: bytes, add_bos=False, special=False):  # one token per word
        return [self.vocab.setdefault(w, len(self.vocab) + 1) for w in text.decode().replace(" ", " _").split()]

    def token(self, word: str) -> int:
        return self.vocab.get(word, -1)

    def create_completion(self, prompt: str, grammar=None, **options):
        self.prompts.append(prompt)
        self.options.append(options)
        root = next(line for line in grammar._grammar.splitlines() if line.startswith("root ::="))
        if '"["' in root:
            text = ' ["best Text eins", "Text zwei", "Text drei"]'  # "best": an error finding, so revise runs
        elif '"true"' in root:
            text = " true"
        elif "Shop now" in root:
            text = ' "Shop now"'
        else:
            text = ' "Ein kurzer Text"'
        return {"choices": [{"text": text, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}}

    def create_chat_completion(self, **kwargs):  # pragma: no cover - failing is the point
        raise AssertionError("the local model must not be sent chat messages (no chat template)")


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    pytest.importorskip("llama_cpp", reason="the grammar is built with llama-cpp-python (the 'local' extra)")
    from assistant.llm import local

    llama = RecordingLlama()
    monkeypatch.setattr(local, "context_for", lambda *args, **kwargs: local.LlamaContext(llama))
    chat = local.LlamaCppChatModel(model_path=tmp_path / "model.gguf")
    services = build_services(load_settings(provider="fake"), llm=LLMHandle(chat, "local", "m", rendering="completion"))
    return services, llama


@pytest.mark.parametrize("kind, lang, market, label", [
    ("listing", "de", "DE", "Deutsch:"),
    ("search_ad", "zh-Hans", "CN", "中文:"),
    ("review_reply", "ja", "JP", "日本語:"),
    ("social_ad", "fr", "FR", "Français:"),
    ("comment_reply", "pt-BR", "BR", "Português (Brasil):"),
])
def test_the_local_model_gets_plain_few_shot_text_never_chat_markup(recorded, kind, lang, market, label):
    services, llama = recorded
    product = load_products(SAMPLE_PRODUCTS)[0]
    context = "Arrived late, box dented." if KINDS[kind].context else None
    draft = services.generator.generate(kind, product, services.brand(), lang=lang, market=market,
                                        context=context, revise_rounds=1)
    assert draft.status == "ok", draft.error
    assert not [fix for fix in draft.fixes if "examples for" in fix], "the language's own examples were not used"
    assert llama.prompts, "nothing reached the model"
    for prompt in llama.prompts:
        assert not [m for m in CHAT_MARKUP if m in prompt], prompt[:300]
    first = llama.prompts[0]
    assert "Wrenley" in first and "Cobble" in first  # both examples
    assert first.count(label) == 3  # two examples and the real product
    assert product.name in first.split("Cobble")[-1]  # the real product comes last
    if context:
        assert context in first
    assert "PRODUCT FACTS" not in first and "Reply with one JSON" not in first  # not the chat prompt


def test_a_revision_prompt_is_the_kinds_prompt_with_the_flagged_phrases(recorded):
    from assistant.compliance.models import CheckReport, Finding
    from assistant.generation import brief
    from assistant.generation.completion import completion_renderer
    from assistant.generation.revise import flagged

    services, _ = recorded
    product = load_products(SAMPLE_PRODUCTS)[0]
    req = services.generator.request("listing", product, services.brand(), lang="de", market="DE")
    found = [Finding(category="absolute_claim", rule_id="x", severity="error", start=0, end=5, message="m", matched=m)
             for m in ("beste", "#1", "beste")] + [Finding(category="quality", rule_id="y", severity="warning",
                                                           start=0, end=1, message="m", matched="egal")]
    avoid = flagged(CheckReport(findings=found, score=50))
    assert avoid == "beste, #1"
    variables = {**brief.variables(req, []), "draft": "{}", "feedback": "1. ...", "avoid": avoid}
    text = completion_renderer(services.prompts.get("revise"), req)(variables)
    assert "Nicht verwenden: beste, #1" in text.split("Cobble")[-1]
    assert text.count("Deutsch:") == 3 and "REVIEWER FINDINGS" not in text


def test_a_language_without_examples_falls_back_to_english_and_says_so(recorded, monkeypatch, tmp_path):
    services, llama = recorded
    product = load_products(SAMPLE_PRODUCTS)[0]
    with_files = fewshot.shot_file
    monkeypatch.setattr(fewshot, "shot_file", lambda kind, lang, directory=fewshot.FEWSHOT_DIR:
                        None if lang == "fr" else with_files(kind, lang, directory))  # as if fr had no files
    draft = services.generator.generate("social_ad", product, services.brand(), lang="fr", market="FR", revise_rounds=0)
    assert any("no French examples for social_ad" in fix for fix in draft.fixes)
    assert "Français:" in llama.prompts[0] and "Wrenley" in llama.prompts[0]
    assert "Textes marketing en français." in llama.prompts[0]  # the labels' fallback instruction
    assert fewshot.coverage(["fr"], tmp_path)["fr"] == list(KINDS)


def test_every_language_with_examples_has_valid_ones_for_every_kind():
    found = {path.stem for path in fewshot.FEWSHOT_DIR.glob("*/*.yaml")}
    assert {"en", "de", "zh-Hans", "ja", "fr", "es", "it", "pt-BR", "ko", "ar", "zh-Hant"} <= found  # all 11
    assert fewshot.coverage(sorted(found)) == {lang: [] for lang in sorted(found)}  # no kind left out
    for kind in KINDS:
        for lang in sorted(found):
            shots = fewshot.shots_for(kind, lang)
            assert shots.fallback is None and len(shots.examples) == 2, (kind, lang)
            assert set(shots.fields) == set(shots.examples[0][1]), (kind, lang)


@pytest.mark.parametrize("lang", [lang for lang in sorted({p.stem for p in fewshot.FEWSHOT_DIR.glob("*/*.yaml")})])
def test_every_example_fits_every_platforms_limits(lang):
    from assistant.compliance.checker import Checker
    from assistant.locales import default_market

    checker, over = Checker(), []
    for kind, spec in KINDS.items():
        for product, output in fewshot.shots_for(kind, lang).examples:
            for platform in spec.platforms() or [None]:
                report = checker.check_fields(output, lang=lang, market=default_market(lang), channel=spec.spec_name,
                                              platform=platform)
                over += [(kind, product.sku, platform, f.message) for f in report.findings if f.category == "length_limit"]
    assert not over


@pytest.mark.parametrize("output, error", [
    ({"reply": "Danke!"}, "needs_follow_up"),  # a required field is missing
    ({"needs_follow_up": True, "reply": "Danke!"}, "schema order"),
    ({"reply": "Danke!", "needs_follow_up": True, "extra": 1}, "extra"),
])
def test_a_broken_example_file_is_refused_with_its_path(tmp_path, output, error):
    source = fewshot.FEWSHOT_DIR
    for name in ("labels.yaml", "products.yaml"):
        (tmp_path / name).write_text((source / name).read_text("utf-8"), encoding="utf-8")
    path = tmp_path / "review_reply" / "de.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump({"instruction": "x", "examples": [{"product": "stool", "output": output}]}))
    with pytest.raises(ConfigError) as exc:
        fewshot.shot_file("review_reply", "de", tmp_path)
    assert error in str(exc.value) and str(path) in str(exc.value)


def test_example_products_are_unlike_the_catalogues():
    names = {p.name for p in load_products(SAMPLE_PRODUCTS)}
    eval_products = Path(SAMPLE_PRODUCTS).parents[2] / "evals" / "generation" / "products.jsonl"
    names |= {json.loads(line)["name"] for line in eval_products.read_text("utf-8").splitlines()}
    for example in fewshot.products().values():
        assert example.leak_terms
        assert not [t for t in example.leak_terms if any(t.lower() in n.lower() for n in names)], example.name


GBNF = "\n".join([
    r'char ::= [^"\\] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F])',
    'root ::= "{" space title-kv "," space url-handle-kv "}" space',
    'space ::= " "?',
    r'title ::= "\"" char (char (char)?)? "\"" space',
    'title-kv ::= "\\"title\\"" space ":" space title',
    r'url-handle ::= "\"" char (char)? "\"" space',
    'url-handle-kv ::= "\\"url_handle\\"" space ":" space url-handle',
])


def test_the_script_constraint_holds_prose_fields_and_leaves_free_ones():
    out = constrain_script(no_raw_controls(GBNF), ["Bambuu Home", "CoreHeat"], ["url_handle"], ["cm", "kg"])
    rules = dict(line.split(" ::= ", 1) for line in out.splitlines() if " ::= " in line)
    assert "script-char" in rules["title"] and not re.search(r"(?<![\w-])char(?![\w-])", rules["title"])
    assert "script-char" not in rules["url-handle"]
    assert r"\x00-\x1F" in rules["char"]  # no raw newlines: a base model runs on into a new block
    assert "a-zA-Z" in rules["script-char"]  # no free Latin letters in CJK copy
    assert '"Bambuu Home"' in rules["latin-term"] and '"CoreHeat"' in rules["latin-term"]
    assert '[0-9] " "? ("cm" | "kg")' in rules["latin-term"]  # units only right after a number
    assert "[A-Z]" not in rules["latin-term"]  # no generic acronyms: capitals chained spell any word


def test_cjk_copy_may_hold_the_products_own_acronyms_and_brand_names(recorded):
    from assistant.generation.completion import latin_terms

    services, _ = recorded
    lamp = next(p for p in load_products(SAMPLE_PRODUCTS) if "Lamp" in p.name)
    req = services.generator.request("listing", lamp, services.brand(), lang="zh-Hans", market="CN")
    terms = latin_terms(req)
    assert {"Bambuu", "Bambuu Home", "LED", "USB-C", "RoHS", "CE", "FCC"} <= set(terms)
    assert not {"Bamboo", "Desk", "Lamp", "bamboo"} & set(terms)


def test_the_script_grammar_is_valid_gbnf():
    llama_cpp = pytest.importorskip("llama_cpp")
    llama_cpp.LlamaGrammar.from_string(constrain_script(no_raw_controls(GBNF), ["Bambuu"], [], ["cm"]), verbose=False)


def test_a_variant_retry_names_the_kept_variants_so_its_prompt_differs(recorded):
    services, llama = recorded
    product = load_products(SAMPLE_PRODUCTS)[0]
    result = services.generator.generate_variants("social_ad", product, services.brand(), n=2, lang="de",
                                                  market="DE", revise_rounds=0)
    assert result.removed, "the recorder answers alike, so the second variant is a near-duplicate"
    retried = [p for p in llama.prompts if "Nicht verwenden:" in p]
    assert retried and "Ein kurzer Text" in retried[0].split("Nicht verwenden:")[-1]


def test_a_fact_copied_from_an_example_is_an_error_finding_unless_the_product_has_it(recorded):
    from assistant.catalog import Product
    from assistant.generation.completion import example_fact_findings

    services, _ = recorded
    board = load_products(SAMPLE_PRODUCTS)[0]
    req = services.generator.request("social_ad", board, services.brand(), lang="de", market="DE")
    fields = {"primary_text": "Von Hand gegossen in Wales.", "headline": "Schneidebrett", "description": "Bambus",
              "call_to_action": "Shop now"}
    found = example_fact_findings(req, fields, ["call_to_action"])
    assert {(f.matched, f.field, f.severity) for f in found} == {
        ("Wales", "primary_text", "error"), ("von Hand gegossen", "primary_text", "error")}
    welsh = Product(sku="W1", name="Slate coaster", facts={"origin": "cut in Wales"})
    req = services.generator.request("social_ad", welsh, services.brand(), lang="de", market="DE")
    assert [f.matched for f in example_fact_findings(req, fields, [])] == ["von Hand gegossen"]
    twice = {**fields, "description": "Von Hand gegossen"}  # every field holding it: a revision rewrites both
    assert sorted(f.field for f in example_fact_findings(req, twice, []) if f.matched == "von Hand gegossen") == [
        "description", "primary_text"]


class EnglishTitleLlama(RecordingLlama):
    """The first title it writes is the product's English name; every later one is German."""

    def __init__(self, english: str):
        super().__init__()
        self.english, self.titles = english, 0

    def create_completion(self, prompt: str, grammar=None, **options):
        if prompt.endswith("Titel:"):
            self.prompts.append(prompt)
            self.options.append(options)
            self.titles += 1
            text = self.english if self.titles == 1 else "Bambuu Schneidebrett aus Bambus mit Saftrille"
            return {"choices": [{"text": f' "{text}"', "finish_reason": "stop"}], "usage": {}}
        return super().create_completion(prompt, grammar, **options)


def test_a_revision_rewrites_only_the_flagged_fields_after_the_kept_ones_without_the_english_words(monkeypatch, tmp_path):
    """The local model's revise round: the English title of a German draft is flagged by field; the fields
    without error findings are written into the prompt as they are (before the title), only the flagged
    fields are generated again, and the English words of the title cannot be written again."""
    pytest.importorskip("llama_cpp", reason="the grammar is built with llama-cpp-python (the 'local' extra)")
    from assistant.llm import local

    product = load_products(SAMPLE_PRODUCTS)[0]
    llama = EnglishTitleLlama(product.name)
    monkeypatch.setattr(local, "context_for", lambda *args, **kwargs: local.LlamaContext(llama))
    chat = local.LlamaCppChatModel(model_path=tmp_path / "model.gguf")
    services = build_services(load_settings(provider="fake"), llm=LLMHandle(chat, "local", "m", rendering="completion"))
    final = services.generator.generate("listing", product, services.brand(), lang="de", market="DE", revise_rounds=1)
    first, revision = services.generator.history(final)[:2]
    language = [f.field for f in first.report.findings if f.rule_id == "quality.field_language"]
    assert "title" in language
    assert revision.round == 1 and revision.fields["title"] == "Bambuu Schneidebrett aus Bambus mit Saftrille"
    assert not [f for f in revision.report.findings if f.rule_id == "quality.field_language"]
    flagged_fields = {f.field.split("[")[0] for f in first.report.findings if f.severity == "error"}
    kept = [k for k in first.fields if k not in flagged_fields]
    assert kept and all(revision.fields[k] == first.fields[k] for k in kept)
    revise_prompt = llama.prompts[-1] if llama.prompts[-1].endswith("Titel:") else \
        next(p for p in reversed(llama.prompts) if p.endswith("Titel:"))
    own = revise_prompt.split("Deutsch:")[-1]
    assert json.dumps(first.fields[kept[0]], ensure_ascii=False) in own.split("Titel:")[0]  # kept, before the title
    bias = llama.options[llama.prompts.index(revise_prompt)].get("logit_bias") or {}
    for word in ("Cutting", "Board", "Groove"):  # the English words of the flagged title
        assert bias.get(llama.token(f"_{word}")) == -100.0 and bias.get(llama.token(word)) == -100.0
    assert "Bambuu" not in llama.vocab or llama.token("_Bambuu") not in bias  # the brand stays writable


def test_the_grammar_first_sampler_adds_the_banned_words_bias_in_id_order_or_shuffled():
    """Banned words reach the fast sampler as a token bias (a logit_bias option would switch it off)."""
    import numpy as np

    from assistant.llm.grammar_first import TOKEN_DTYPE, _add_bias

    ids, values = np.array([3, 7], dtype=np.intc), np.array([-100.0, -50.0], dtype=np.single)
    for order in (np.arange(10), np.array([9, 3, 0, 7, 1, 2, 4, 5, 6, 8])):
        data = np.zeros(10, dtype=TOKEN_DTYPE)
        data["id"] = order
        _add_bias(data, ids, values)
        assert {int(i): float(v) for i, v in zip(data["id"], data["logit"]) if v} == {3: -100.0, 7: -50.0}


@pytest.mark.parametrize("lang, market, copied, term", [
    ("fr", "FR", "Bougies coulées à la main au pays de Galles.", "coulées à la main"),
    ("es", "ES", "Se pliega en un solo gesto, con correa de transporte.", "correa de transporte"),
    ("it", "IT", "Candele in cera d'api, circa 30 ore ciascuna.", "cera d'api"),
    ("pt-BR", "BR", "Banqueta com alça de transporte.", "alça de transporte"),
])
def test_an_example_fact_in_the_romance_languages_is_flagged(recorded, lang, market, copied, term):
    from assistant.generation.completion import example_fact_findings

    services, _ = recorded
    board = load_products(SAMPLE_PRODUCTS)[0]
    req = services.generator.request("social_ad", board, services.brand(), lang=lang, market=market)
    found = example_fact_findings(req, {"primary_text": copied, "call_to_action": "Shop now"}, ["call_to_action"])
    assert term in {f.matched for f in found} and {f.field for f in found} == {"primary_text"}
