"""Every content kind through the scripted model: schema, prompt, limits, platform rules."""

import pytest

from assistant.catalog import load_products
from assistant.channels import measure
from assistant.errors import InputError
from assistant.generation.kinds import KINDS, get_kind
from assistant.generation.limits import hard_limit_violations
from tests.conftest import SAMPLE_PRODUCTS

REVIEW = "Great board but it arrived with a small crack. Call me on +1 415 555 0100 or mail jo@example.com."
SAMPLES = {
    "listing": {
        "title": "Bambuu Moso Bamboo Cutting Board with Juice Groove, 45 x 30 cm",
        "bullets": ["Deep juice groove keeps your counter dry while you carve.",
                    "Reversible: one side for prep, one for serving.",
                    "FSC-certified Moso bamboo, finished with food-grade mineral oil."],
        "description": "A sturdy 45 x 30 x 2 cm board made in Anji, Zhejiang. Hand wash and oil monthly.",
        "meta_title": "Bambuu Bamboo Cutting Board with Juice Groove",
        "meta_description": "Reversible FSC-certified bamboo cutting board, 45 x 30 cm, with a deep juice groove.",
        "image_alt_text": "Bamboo cutting board with a juice groove on a kitchen counter",
        "search_keywords": ["bamboo cutting board", "chopping board", "juice groove"],
    },
    "product_page": {
        "title": "Bambuu Moso Bamboo Cutting Board with Juice Groove",
        "tagline": "One board for prep and serving, made from FSC-certified bamboo.",
        "description": "A sturdy reversible board made in Anji, Zhejiang. The deep groove catches juices.",
        "highlights": ["Deep juice groove", "Reversible design", "Side handles for carrying"],
        "meta_title": "Bamboo Cutting Board with Juice Groove | Bambuu",
        "meta_description": "Reversible FSC-certified bamboo cutting board with juice groove and side handles.",
        "url_handle": "Bamboo Cutting Board!",
    },
    "search_ad": {
        "headlines": ["Bamboo Cutting Board", "Deep Juice Groove", "FSC-Certified Bamboo", "Reversible Design",
                      "Made in Anji, Zhejiang"],
        "descriptions": ["Reversible bamboo board with a deep juice groove and side handles.",
                         "FSC-certified Moso bamboo, finished with food-grade mineral oil."],
        "paths": ["boards", "bamboo"],
    },
    "social_ad": {
        "primary_text": "Carve, serve and keep the counter dry with one bamboo board.",
        "headline": "Bamboo board, juice groove", "description": "FSC-certified bamboo",
        "call_to_action": "Shop now",
    },
    "email": {
        "subject": "A board for prep and serving", "preheader": "FSC-certified bamboo with a deep juice groove",
        "headline": "Meet the Bambuu cutting board",
        "body": ["Carve on one side and serve on the other.", "The deep groove keeps juices off your counter."],
        "cta": "See the board",
    },
    "social_post": {"text": "Sunday roast, dry counter: the juice groove catches every drop.",
                    "hashtags": ["#bamboo", "#kitchen"]},
    "influencer_post": {"text": "I carve on this Bambuu board every weekend; the groove keeps my counter dry.",
                        "hashtags": ["#kitchen"]},
    "kol_brief": {
        "campaign_title": "Bambuu board weekend roast", "objective": "Show the board in a real weekend roast.",
        "key_messages": ["Deep juice groove keeps counters dry", "Reversible for prep and serving"],
        "dos": ["Show the juice groove in use"], "donts": ["Do not claim anything beyond the facts"],
        "deliverables": ["One Instagram reel", "Three stories"], "hashtags": ["#Bambuu"],
        "sample_caption": "Roast day, dry counter: the Bambuu board with a deep juice groove.",
    },
    "video_script": {
        "title": "Carve without the mess", "hook": "Watch where the juice goes.",
        "scenes": ["Close-up: roast on the board, knife slicing.", "Juice runs into the groove.",
                   "Board flipped to the serving side."],
        "on_screen_text": ["Deep juice groove", "Reversible"], "cta": "Find it at Bambuu",
        "caption": "Carve, flip, serve.", "hashtags": ["#kitchen"],
    },
    "livestream_script": {
        "title": "Bamboo board live demo", "opening": "Welcome! Today we carve a roast on the Bambuu board.",
        "segments": ["Show the groove catching juice.", "Flip to the serving side.", "Show the side handles."],
        "faq": ["Q: Can it go in the dishwasher? A: No, hand wash only and oil it monthly.",
                "Q: How big is it? A: 45 x 30 x 2 cm."],
        "offer_reminder": "The board is 34.99 USD.", "closing": "Thank you for watching.",
    },
    "review_reply": {"reply": "Thank you for your review. We are sorry the board arrived cracked; our customer "
                              "service team will contact you to help.", "needs_follow_up": True},
    "comment_reply": {"reply": "Thank you! It is 45 x 30 x 2 cm and made of FSC-certified bamboo."},
    "crisis_statement": {
        "headline": "Update on delayed cutting board orders",
        "statement": "Some orders of our bamboo cutting board are delayed at the port. We are working with our "
                     "carrier and will update customers by Friday.",
        "social_version": "Some board orders are delayed at the port. We will update you by Friday.",
        "next_steps": ["Contact every affected customer by e-mail", "Publish an update by Friday"],
    },
}
CONTEXT = {"review_reply": REVIEW, "comment_reply": "How big is it?", "crisis_statement": "Port strike delays orders."}


@pytest.fixture
def product():
    return load_products(SAMPLE_PRODUCTS)[0]


def run(services, kind, product, **opts):
    opts.setdefault("revise_rounds", 0)
    return services.generator.generate(kind, product, services.brand(), lang=opts.pop("lang", "en"),
                                       market=opts.pop("market", "US"), context=CONTEXT.get(kind), **opts)


def test_every_kind_has_a_sample_and_a_prompt(services):
    assert set(SAMPLES) == set(KINDS)
    for kind in KINDS.values():
        prompt = services.prompts.get(kind.prompt)
        assert prompt.version >= 1 and "{brief}" in prompt.user


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_generates_a_schema_valid_draft_within_limits(services, scripted, product, kind):
    scripted.queue(SAMPLES[kind])
    draft = run(services, kind, product)
    spec = get_kind(kind)
    assert draft.status == "ok" and draft.id is not None, draft.error
    spec.schema_for(draft.request.platform).model_validate(draft.fields)
    assert (draft.prompt_name, draft.request.kind) == (kind, kind)
    assert hard_limit_violations(draft.fields, spec.limits(draft.request.platform)) == []
    sent = "\n".join(m.content for m in scripted.received[0])
    assert "Moso bamboo" in sent and "Bambuu Home" in sent and spec.description in sent
    assert "(17.7 x 11.8 x 0.8 in)" in sent  # US market: imperial equivalents next to the facts
    assert "$34.99" in sent  # the price as the market writes it
    schema = scripted.call_kwargs[0]["json_schema"]
    for name, limit in spec.limits(draft.request.platform).items():
        prop = schema["properties"][name]
        if limit.max and limit.count == "chars" and prop.get("type") == "string":
            assert prop["maxLength"] == limit.max
        if limit.max_items:
            assert prop["maxItems"] == limit.max_items
    assert services.drafts.get(draft.id) == draft


def test_search_ad_limits_are_enforced_cjk_aware(services, scripted, product):
    long_cn = "竹制砧板带深槽设计防止汁液流出桌面"  # 17 CJK characters = 34 width units > 30
    reply = {"headlines": [long_cn] + [f"Headline {i}" for i in range(16)],
             "descriptions": ["d" * 95, "Second description."], "paths": ["boards"]}
    scripted.queue(reply, {"t1": "竹制砧板深槽设计", "t2": "x" * 100})  # the shortening call
    draft = run(services, "search_ad", product, lang="zh", market="CN")
    assert len(draft.fields["headlines"]) == 15 and len(draft.fields["descriptions"]) == 2
    assert draft.fields["headlines"][0] == "竹制砧板深槽设计"
    assert measure(draft.fields["descriptions"][0], "cjk2") <= 90  # still too long: trimmed
    assert hard_limit_violations(draft.fields, get_kind("search_ad").limits("google_ads")) == []
    assert "at most 30 width units" in scripted.received[1][-1].content
    assert any("shortened by the model" in f for f in draft.fixes) and any("trimmed" in f for f in draft.fixes)


def test_amazon_search_terms_are_held_to_bytes(services, scripted, product):
    words = [f"bamboo board keyword{i}" for i in range(20)]
    scripted.queue({**SAMPLES["listing"], "search_keywords": words})
    draft = run(services, "listing", product, platform="amazon")
    assert len(" ".join(draft.fields["search_keywords"]).encode()) <= 249
    assert any("search_keywords" in f for f in draft.fixes)


@pytest.mark.parametrize("platform, most", [("x", 2), ("instagram", 8), ("youtube", 3), ("linkedin", 5)])
def test_social_hashtags_follow_platform_rules(services, scripted, product, platform, most):
    tags = ["# Bamboo board!", "bamboo board", "#123"] + [f"#tag{i}" for i in range(40)]
    reply = {**SAMPLES["social_post"], "hashtags": tags}
    if platform == "youtube":
        reply["title"] = "Carving with a juice groove"
    scripted.queue(reply)
    draft = run(services, "social_post", product, platform=platform)
    got = draft.fields["hashtags"]
    assert got[0] == "#Bambooboard" and len(got) == most
    assert all(t.startswith("#") and " " not in t for t in got)


def test_x_post_text_and_hashtags_fit_280_together(services, scripted, product):
    scripted.queue({"text": "Carve and serve on one board. " * 12, "hashtags": ["#bamboo", "#kitchen"]},
                   {"t1": "Carve and serve on one board. " * 11})
    draft = run(services, "social_post", product, platform="x")
    published = draft.fields["text"] + "\n\n" + " ".join(draft.fields["hashtags"])
    assert measure(published, "x") <= 280 and draft.fields["hashtags"]


@pytest.mark.parametrize("policy, expected", [("none", "Dry counter. Carve away"), ("sparingly", "Dry counter 🎉. Carve away"),
                                              ("free", "Dry counter 🎉. Carve away 🔪🔪")])
def test_emoji_policy_from_the_brand_kit(services, scripted, product, policy, expected, monkeypatch):
    brand = services.brand().model_copy(update={"emoji_policy": policy})
    monkeypatch.setattr(services, "brand", lambda *_: brand)
    scripted.queue({"text": "Dry counter 🎉. Carve away 🔪🔪", "hashtags": ["#kitchen🔪"]})
    draft = run(services, "social_post", product)
    assert draft.fields["text"] == expected and draft.fields["hashtags"] == ["#kitchen"]


def test_influencer_post_always_carries_the_disclosure(services, scripted, product):
    scripted.queue(SAMPLES["influencer_post"], {**SAMPLES["influencer_post"], "hashtags": ["#Küche"]})
    assert run(services, "influencer_post", product).fields["hashtags"][0] == "#ad"
    assert run(services, "influencer_post", product, lang="de", market="DE").fields["hashtags"] == ["#Werbung", "#Küche"]


def test_review_reply_redacts_customer_contact_details(services, scripted, product):
    scripted.queue(SAMPLES["review_reply"])
    run(services, "review_reply", product)
    sent = scripted.received[0][-1].content
    assert "arrived with a small crack" in sent
    assert "555" not in sent and "jo@example.com" not in sent and "[email]" in sent


def test_url_handle_is_made_a_slug(services, scripted, product):
    scripted.queue(SAMPLES["product_page"])
    assert run(services, "product_page", product).fields["url_handle"] == "bamboo-cutting-board"


@pytest.mark.parametrize(
    "kind, opts, error",
    [
        ("brochure", {}, "unknown content kind 'brochure'"),
        ("social_post", {"platform": "myspace"}, "unknown platform 'myspace'"),
        ("listing", {"segment": "loyal"}, "--segment applies to e-mails only"),
        ("email", {"segment": "vip"}, "unknown e-mail segment 'vip'"),
        ("listing", {"lang": "xx"}, "unknown language code 'xx'"),
        ("listing", {"market": "ZZ"}, "unknown market 'ZZ'"),
        ("listing", {"angle": "fear"}, "unknown angle 'fear'"),
    ],
)
def test_bad_requests_fail_before_any_model_call(services, scripted, product, kind, opts, error):
    with pytest.raises(InputError, match=error):
        run(services, kind, product, **opts)
    assert scripted.received == []


def test_reply_kinds_need_their_context(services, scripted, product):
    with pytest.raises(InputError, match="review_reply answers a review"):
        services.generator.generate("review_reply", product, services.brand(), lang="en", market="US")


def _cli(capsys, monkeypatch, reply, *argv):
    from assistant.llm.fake import ScriptedChatModel
    from tests.helpers import run_cli, use_scripted_provider

    use_scripted_provider(monkeypatch, ScriptedChatModel(default_reply=reply))
    return run_cli(capsys, *argv)


def test_cli_generates_an_email_per_segment_and_writes_its_parts(capsys, monkeypatch, product_file, tmp_path):
    code, out, err = _cli(capsys, monkeypatch, SAMPLES["email"], "generate", "email", "--product", str(product_file),
                          "--segment", "lapsed", "--lang", "en", "--market", "UK", "--out", str(tmp_path))
    assert code == 0, err
    assert "suggested send time" in out and "Europe/London" in out and "Unsubscribe at any time" in out
    html = next(tmp_path.glob("email-*.html")).read_text()
    assert "No. 88 Zhuxiang Road" in html and next(tmp_path.glob("email-*.txt")).read_text().endswith("{{unsubscribe_url}}")


def test_cli_variants_and_reply_context(capsys, monkeypatch, product_file, tmp_path):
    code, out, err = _cli(capsys, monkeypatch, SAMPLES["social_post"], "generate", "social_post", "--product",
                          str(product_file), "--platform", "x", "--variants", "3", "--rounds", "0")
    assert code == 0, err
    assert "angle benefit" in out and "4 near-duplicate variant(s) removed" in out  # the model repeats itself (and on retry)
    ctx = tmp_path / "review.txt"
    ctx.write_text("Lovely board.", encoding="utf-8")
    code, out, err = _cli(capsys, monkeypatch, SAMPLES["review_reply"], "generate", "review_reply", "--product",
                          str(product_file), "--context-file", str(ctx), "--platform", "google")
    assert code == 0, err
    assert "needs_follow_up" in out
    code, _, err = _cli(capsys, monkeypatch, SAMPLES["review_reply"], "generate", "review_reply", "--product",
                        str(product_file))
    assert code == 2 and "--context" in err
