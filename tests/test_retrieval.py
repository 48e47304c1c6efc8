"""Hybrid retrieval: text features, BM25, fusion, brand and language filters, generation wiring, eval."""

from __future__ import annotations

import math

import pytest

from assistant.catalog import load_products
from assistant.errors import ConfigError, InputError
from assistant.retrieval.embeddings import HashEmbeddings, build_embeddings
from assistant.retrieval.evaluate import Expected, run_retrieval_eval
from assistant.retrieval.hybrid import reciprocal_rank_fusion
from assistant.retrieval.keyword import BM25Index
from assistant.retrieval.text import tokens
from assistant.settings import load_settings
from tests.conftest import SAMPLE_PRODUCTS


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b))


def test_tokens_fold_latin_words_and_split_cjk_into_bigrams():
    assert tokens("The Warranties of CoreHeat pans") == ["warranty", "coreheat", "pan"]
    assert tokens("极限词") == ["极", "限", "词", "极限", "限词"]
    assert tokens("ＦＳＣ认证") == ["fsc", "认", "证", "认证"]  # full-width letters normalised


def test_hash_embedder_is_deterministic_normalised_and_works_for_chinese():
    a, b = HashEmbeddings(), HashEmbeddings()
    v = a.embed_query("竹砧板的导流槽")
    assert v == b.embed_documents(["竹砧板的导流槽"])[0] and len(v) == 1024
    assert math.isclose(cosine(v, v), 1.0, rel_tol=1e-6)
    assert cosine(v, a.embed_query("砧板导流槽设计")) > cosine(v, a.embed_query("保温杯的保冷时间")) + 0.2
    en = a.embed_query("cutting boards with a juice groove")
    assert cosine(en, a.embed_query("cutting board juice-groove")) > cosine(en, a.embed_query("email subject lines")) + 0.3


@pytest.mark.parametrize("name, extra, error", [
    ("word2vec", {}, "unknown embedder 'word2vec'"),
    ("openai", {}, "needs OPENAI_API_KEY or OPENAI_BASE_URL"),
])
def test_embedder_registry_errors(name, extra, error):
    with pytest.raises(ConfigError, match=error):
        build_embeddings(load_settings(embedder=name, **extra))


def test_bm25_ranks_the_exact_term_first_and_respects_the_mask():
    docs = ["CoreHeat pans are tri-ply", "bamboo boards need oil", "lids stretch over bowls", "CoreHeat CoreHeat warranty"]
    index = BM25Index(docs)
    top = index.top("coreheat warranty", 3)
    assert [i for i, _ in top] == [3, 0]
    import numpy as np
    assert [i for i, _ in index.top("coreheat", 3, mask=np.array([True, True, True, False]))] == [0]
    assert index.top("nothing matches", 3) == []


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "b", "d"]])
    assert [item for item, _ in fused] == ["c", "b", "a", "d"]  # found by both lists first
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 63)


@pytest.fixture
def two_brands(services, tmp_path):
    for brand, word in (("acme", "Acme"), ("bolt", "Bolt")):
        root = tmp_path / brand
        (root / "en").mkdir(parents=True)
        (root / "zh").mkdir()
        (root / "en" / "claims.md").write_text(
            f"# Claims\n## Warranty\n{word} products carry a 2-year limited warranty.\n\n"
            f"## Emoji\nAt most one emoji per caption.\n", encoding="utf-8")
        (root / "zh" / "宣称.md").write_text(f"# 宣称\n## 保修\n{word} 所有产品保修两年。\n", encoding="utf-8")
        services.knowledge.ingest(brand, root)
    return services.knowledge


def test_results_never_cross_brands(two_brands):
    for brand, other in (("acme", "Bolt"), ("bolt", "Acme")):
        hits = two_brands.search(brand, "warranty years", k=10)
        assert len(hits) == 3 and all(p.id.startswith(f"{brand}:") and other not in p.text for p in hits)
    assert two_brands.search("nobody", "warranty") == []


def test_language_filter_and_fallback_for_languages_without_guidelines(two_brands):
    assert {p.lang for p in two_brands.search("acme", "warranty 保修", lang="zh-Hans", k=10)} == {"zh"}
    assert {p.lang for p in two_brands.search("acme", "warranty 保修", lang="en-US", k=10)} == {"en"}
    # no German guidelines: a German draft still gets the brand's passages in the other languages
    assert {p.lang for p in two_brands.search("acme", "warranty 保修", lang="de", k=10)} == {"en", "zh"}
    with pytest.raises(InputError, match="unknown retrieval mode 'fuzzy'"):
        two_brands.search("acme", "warranty", mode="fuzzy")


def test_glossary_expansion_finds_chinese_passages_for_english_queries(services):
    kb = services.knowledge
    kb.ingest("bambuu")
    hits = kb.search("bambuu", "may the frying pan be called non-stick", lang="zh", k=3)
    assert {p.lang for p in hits} == {"zh"}
    assert any(p.source == "zh/产品线.md" and p.section.endswith("CoreHeat 铜芯复合底锅具") for p in hits)
    no_glossary = kb.retriever.__class__(kb.store).search("bambuu", "frying pan non-stick", lang="zh", k=3, mode="keyword")
    assert not any("不粘" in p.text for p in no_glossary)  # only the glossary bridges the languages here


def test_generation_records_and_prompts_the_passages_it_used(services, scripted, good_listing):
    services.knowledge.ingest("bambuu")
    product = load_products(SAMPLE_PRODUCTS)[0]  # the bamboo cutting board
    scripted.queue(good_listing)
    draft = services.generator.generate("listing", product, services.brand(), lang="en", market="US")
    assert len(draft.guideline_ids) == 4 and all(i.startswith("bambuu:en/") for i in draft.guideline_ids)
    assert services.drafts.get(draft.id).guideline_ids == draft.guideline_ids
    sent = "\n".join(m.content for m in scripted.received[0])
    assert all(f"[{i}]" in sent for i in draft.guideline_ids)
    assert "Hand wash only" in sent  # the cutting-board care rule reached the prompt


def test_expected_passage_matching():
    from assistant.retrieval import Passage

    e = Expected(source="en/a.md", section="Warranty")
    assert e.matches(Passage(id="x", text="", source="en/a.md", section="Legal > Warranty"))
    assert not e.matches(Passage(id="x", text="", source="en/a.md", section="Legal > Warranty wording"))
    assert not e.matches(Passage(id="x", text="", source="en/b.md", section="Warranty"))


def test_retrieval_eval_meets_the_target_with_the_offline_embedder():
    [run] = run_retrieval_eval(load_settings(), embedders=["hash"], modes=["hybrid"], generation=False)
    scores = run.scores()
    assert scores["queries"] >= 40 and {o.query.group for o in run.outcomes} == {"en", "zh", "cross"}
    assert scores["recall@5"] >= 0.9, [o.query.id for o in run.misses()]
    assert scores["mrr"] >= 0.8


def test_demo_ingests_the_guidelines_and_the_report_and_cli_show_the_chunk_ids(services, scripted, good_listing,
                                                                            tmp_path, capsys):
    from assistant.batch.demo import run_demo
    from assistant.cli.generate_cmd import show_draft

    scripted.queue(good_listing)
    result = run_demo(services, tmp_path / "out", langs=["en"], limit=1)
    [draft] = result.drafts
    assert draft.guideline_ids and {s.source for s in services.knowledge.sources("bambuu")} >= {"zh/产品线.md"}
    html = result.files["report"].read_text(encoding="utf-8")
    assert "Brand guidelines in the prompt" in html and all(i in html for i in draft.guideline_ids)
    show_draft(draft, [draft], None)
    assert draft.guideline_ids[0] in capsys.readouterr().out.replace("\n", "")
