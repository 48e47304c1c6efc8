"""Copy that repeats other copy of the same draft: the checker's warning for the reviewer, and the
offline model writing such a field again (``assistant/llm/fieldwise.py``)."""

from __future__ import annotations

import json

import pytest

from assistant.compliance.checker import Checker
from assistant.compliance.repeats import repeated

TITLE = "Bambuu CoreHeat Bratpfanne, 28 cm"


@pytest.mark.parametrize("text, earlier, repeats", [
    (TITLE, [TITLE], True),
    ("bambuu coreheat  BRATPFANNE 28 cm.", [TITLE], True),  # case, punctuation and spacing folded
    ("Bambuu CoreHeat Bratpfanne", [TITLE], True),  # most of the title again
    ("CoreHeat Bratpfanne", [TITLE], False),  # a shorter part: a headline may name the product
    (TITLE, [TITLE + " mit Kupferkern für gleichmäßige Hitze auf jedem Herd, auch Induktion."], False),
    ("28 cm", ["28 cm"], False),  # too short to be copy worth comparing
    ("竹制砧板，带导流槽", ["竹制砧板，带导流槽。"], True),
    ("竹制砧板", ["竹制砧板，带导流槽，可双面使用，FSC认证的毛竹"], False),
])
def test_what_counts_as_repeated_copy(text, earlier, repeats):
    assert (repeated(text, earlier) is not None) is repeats


def test_a_field_repeating_another_is_a_warning_naming_both():
    fields = {"primary_text": TITLE + ".", "headline": TITLE, "description": "Gleichmäßige Hitze auf jedem Herd",
              "call_to_action": "Shop now"}
    report = Checker().check_fields(fields, lang="de", market="DE", channel="social_ad")
    found = [f for f in report.findings if f.rule_id == "quality.repeated_copy"]
    assert [(f.field, f.severity) for f in found] == [("headline", "warning")]
    assert "primary_text" in found[0].message


def test_list_items_and_keywords():
    fields = {"title": TITLE, "bullets": ["Kupferkern für gleichmäßige Hitze", TITLE, "Für alle Herdarten"],
              "description": "Die Pfanne heizt gleichmäßig, auf Gas wie auf Induktion.",
              "search_keywords": [TITLE, "Bratpfanne"]}  # a keyword may be the name again
    report = Checker().check_fields(fields, lang="de", market="DE", channel="listing")
    assert [f.field for f in report.findings if f.rule_id == "quality.repeated_copy"] == ["bullets[1]"]


def test_a_list_item_given_twice_is_a_warning_however_short():
    """Five bullets "烤箱" (oven) and the same keyword twice: one word each, too short to compare as copy,
    but a list that says one thing again says nothing new (the offline demo's zh-Hans pan scored 100)."""
    fields = {"title": "Bambuu 烤箱 28cm", "bullets": ["烤箱 28cm", "烤箱", "铜芯导热", "烤箱"],
              "description": "铜芯导热均匀，适用于燃气灶和电磁炉。",
              "search_keywords": ["平底锅", "铜芯", "平底锅"]}
    report = Checker().check_fields(fields, lang="zh-Hans", market="CN", channel="listing")
    found = [f for f in report.findings if f.rule_id == "quality.repeated_copy"]
    assert [(f.field, f.severity) for f in found] == [("bullets[3]", "warning"), ("search_keywords[2]", "warning")]
    assert "bullets[1]" in found[0].message and "search_keywords[0]" in found[1].message


@pytest.mark.parametrize("text, loops", [
    ("Bambuu蜂蜡瓶750ml 保冷成型,包装包容性,保冷成型,包装包容性,包装包容性,包装包容性", True),
    ("用纯食品用硅胶，变色，用，用。使用，用，用。", True),
    ("Shop now. Shop now! Shop now.", True),
    ("Heats evenly, cleans easily, lasts for years.", False),
    ("Gleichmäßige Hitze. Gleichmäßige Hitze, jeden Tag.", False),  # twice is emphasis, not a loop
])
def test_a_text_saying_one_clause_over_and_over_is_a_warning(text, loops):
    fields = {"title": "Bambuu Pfanne 28 cm", "description": text}
    report = Checker().check_fields(fields, lang="en", market="US", channel="listing")
    found = [f for f in report.findings if f.rule_id == "quality.repeated_copy" and f.field == "description"]
    assert bool(found) is loops
    if loops:
        assert "times over" in found[0].message


def test_pasted_copy_is_not_checked_for_repeats():
    report = Checker().check_text(f"{TITLE}\n\n{TITLE}", lang="de", market="DE", channel="social_post")
    assert not [f for f in report.findings if f.rule_id == "quality.repeated_copy"]


class EchoLlama:
    """A base model that writes the title into every field until the title's opening is banned."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.vocab: dict[str, int] = {}

    def tokenize(self, text: bytes, add_bos=False, special=False):  # one token per word
        return [self.vocab.setdefault(w, len(self.vocab) + 1) for w in text.decode().replace(" ", " _").split()]

    def create_completion(self, prompt: str, grammar=None, **options):
        self.calls.append((prompt, options))
        banned = set((options.get("logit_bias") or {}))
        opening = {self.vocab.get(w) for w in ("Bambuu", "_Bambuu", '"Bambuu')}
        text = TITLE if not banned & opening else "Gleichmäßige Hitze auf jedem Herd"
        if prompt.endswith("Headline:") or prompt.endswith("Primary:"):
            return {"choices": [{"text": f' "{text}"', "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}}
        return {"choices": [{"text": ' "Shop now"', "finish_reason": "stop"}], "usage": {}}


def test_the_offline_model_writes_a_repeating_field_again_without_its_opening():
    pytest.importorskip("llama_cpp", reason="field grammars are built with llama-cpp-python (the 'local' extra)")
    from assistant.llm.fieldwise import FIELDS_KEY, generate_fields

    schema = {"type": "object", "properties": {"primary_text": {"type": "string"}, "headline": {"type": "string"},
                                               "call_to_action": {"type": "string", "enum": ["Shop now"]}},
              FIELDS_KEY: {"primary_text": "Primary", "headline": "Headline", "call_to_action": "CTA"}}
    llama = EchoLlama()
    text, usage, finish = generate_fields(llama, "Deutsch:\n", schema, {"temperature": 0.0}, lambda p: p)
    values = json.loads(text)
    assert values["primary_text"] == TITLE  # the first field may say the name
    assert values["headline"] == "Gleichmäßige Hitze auf jedem Herd"  # written again, no longer a repeat
    headline_calls = [options for prompt, options in llama.calls if prompt.endswith("Headline:")]
    assert len(headline_calls) == 2 and not headline_calls[0].get("logit_bias")
    assert usage["total_tokens"] == 27  # the discarded attempt is counted too
    assert finish == "stop"


def test_a_field_that_keeps_repeating_is_kept_after_the_last_rewrite():
    pytest.importorskip("llama_cpp", reason="field grammars are built with llama-cpp-python (the 'local' extra)")
    from assistant.llm.fieldwise import FIELDS_KEY, REWRITES, generate_fields

    class Stubborn(EchoLlama):  # each rewrite opens with another word, and repeats the title again
        def create_completion(self, prompt, grammar=None, **options):
            self.calls.append((prompt, options))
            tries = sum(p.endswith("Headline:") for p, _ in self.calls)
            opening = ["", "", "Neu: ", "Jetzt ", "Hier "][tries] if prompt.endswith("Headline:") else ""
            return {"choices": [{"text": f' "{opening}{TITLE}"', "finish_reason": "stop"}], "usage": {}}

    schema = {"type": "object", "properties": {"primary_text": {"type": "string"}, "headline": {"type": "string"}},
              FIELDS_KEY: {"primary_text": "Primary", "headline": "Headline"}}
    llama = Stubborn()
    values = json.loads(generate_fields(llama, "Deutsch:\n", schema, {}, lambda p: p)[0])
    assert values["headline"] == "Jetzt " + TITLE  # a schema-valid value is never dropped; the checker warns instead
    assert sum(p.endswith("Headline:") for p, _ in llama.calls) == REWRITES + 1


def test_a_repeat_of_numbers_and_units_is_not_rewritten():
    """Banning a digit or a unit would garble every figure of the field, and the same prompt gives the
    same copy."""
    pytest.importorskip("llama_cpp", reason="field grammars are built with llama-cpp-python (the 'local' extra)")
    from assistant.llm.fieldwise import FIELDS_KEY, generate_fields

    class Sizes(EchoLlama):
        def create_completion(self, prompt, grammar=None, **options):
            self.calls.append((prompt, options))
            return {"choices": [{"text": ' "36-47 in (119 cm) 4"', "finish_reason": "stop"}], "usage": {}}

    schema = {"type": "object", "properties": {"title": {"type": "string"}, "tagline": {"type": "string"}},
              FIELDS_KEY: {"title": "Titel", "tagline": "Slogan"}}
    llama = Sizes()
    generate_fields(llama, "Deutsch:\n", schema, {}, lambda p: p)
    assert len(llama.calls) == 2  # one call per field


@pytest.mark.parametrize("copy, rewritten", [("烤箱 28cm", True), ("竹製まな板 40cm", True), ("3件 28cm", False)])
def test_chinese_and_japanese_openings(copy, rewritten):
    """A two-character CJK word opens copy worth banning (烤箱, oven); one character after a number is a
    counter (件), left alone like a unit."""
    pytest.importorskip("llama_cpp", reason="field grammars are built with llama-cpp-python (the 'local' extra)")
    from assistant.llm.fieldwise import FIELDS_KEY, generate_fields

    class Repeats(EchoLlama):
        def create_completion(self, prompt, grammar=None, **options):
            self.calls.append((prompt, options))
            opening = self.vocab.get(copy.split()[0])
            text = "均匀受热" if opening is not None and opening in (options.get("logit_bias") or {}) else copy
            return {"choices": [{"text": f' "{text}"', "finish_reason": "stop"}], "usage": {}}

    schema = {"type": "object", "properties": {"title": {"type": "string"}, "tagline": {"type": "string"}},
              FIELDS_KEY: {"title": "标题", "tagline": "口号"}}
    llama = Repeats()
    values = json.loads(generate_fields(llama, "中文:\n", schema, {}, lambda p: p)[0])
    assert values["tagline"] == ("均匀受热" if rewritten else copy)
    assert len(llama.calls) == (3 if rewritten else 2)


def test_an_example_bullet_copied_word_for_word_is_written_again(monkeypatch, tmp_path):
    """The few-shot examples' copy is earlier copy too: the prompt's schema carries it (``x-seen``), and a
    German listing bullet that is the candle example's bullet again is written a second time."""
    pytest.importorskip("llama_cpp", reason="field grammars are built with llama-cpp-python (the 'local' extra)")
    from assistant.catalog import load_products
    from assistant.generation.fewshot import shots_for
    from assistant.llm import LLMHandle, local
    from assistant.services import build_services
    from assistant.settings import load_settings
    from tests.conftest import SAMPLE_PRODUCTS

    copied = next(t for _, out in shots_for("listing", "de").examples for t in out["bullets"] if t[0].isalpha())

    class Copier(EchoLlama):
        def create_completion(self, prompt, grammar=None, **options):
            self.calls.append((prompt, options))
            root = next(line for line in grammar._grammar.splitlines() if line.startswith("root ::="))
            if prompt.endswith("Stichpunkte:"):
                opening = next(w for w in copied.split() if len(w) >= 3 and w.isalpha())
                banned = self.vocab.get(opening) in (options.get("logit_bias") or {})
                items = ["Kupferkern für gleichmäßige Hitze" if banned else copied, "Für jeden Herd", "Ofenfest"]
                return {"choices": [{"text": " " + json.dumps(items, ensure_ascii=False)}], "usage": {}}
            text = ' ["Pfanne", "Kupfer"]' if '"["' in root else ' "Shop now"' if "Shop now" in root else \
                f' "{len(self.calls)}. Text über die Pfanne aus Stahl"'
            return {"choices": [{"text": text, "finish_reason": "stop"}], "usage": {}}

    llama = Copier()
    monkeypatch.setattr(local, "context_for", lambda *args, **kwargs: local.LlamaContext(llama))
    chat = local.LlamaCppChatModel(model_path=tmp_path / "model.gguf")
    services = build_services(load_settings(provider="fake"), llm=LLMHandle(chat, "local", "m", rendering="completion"))
    product = load_products(SAMPLE_PRODUCTS)[0]
    draft = services.generator.generate("listing", product, services.brand(), lang="de", market="DE", revise_rounds=0)
    assert copied not in draft.fields["bullets"]
    assert draft.fields["bullets"][0] == "Kupferkern für gleichmäßige Hitze"
