"""A/B variants: one angle each, near-duplicates retried once then removed."""

import pytest

from assistant.catalog import load_products
from assistant.errors import InputError
from assistant.generation.variants import ANGLES, jaccard, shingles, similarity
from tests.conftest import SAMPLE_PRODUCTS

POSTS = [
    {"text": "Sunday roast, dry counter: the juice groove catches every drop.", "hashtags": ["#roast"]},
    {"text": "FSC-certified Moso bamboo, 45 x 30 cm, finished with food-grade mineral oil.", "hashtags": ["#bamboo"]},
    {"text": "Made in Anji and certified FSC-C123456: a board you can check for yourself.", "hashtags": ["#fsc"]},
    {"text": "One board, two sides, 34.99 USD: prep on one side and serve on the other.", "hashtags": ["#value"]},
]


@pytest.fixture
def product():
    return load_products(SAMPLE_PRODUCTS)[0]


def variants(services, product, n):
    return services.generator.generate_variants("social_post", product, services.brand(), n=n, lang="en",
                                                market="US", revise_rounds=0)


def test_each_variant_takes_its_own_angle_and_all_are_distinct(services, scripted, product):
    scripted.queue(*POSTS)
    result = variants(services, product, 4)
    assert [d.request.angle for d in result.drafts] == list(ANGLES)
    assert result.removed == []
    for i, d in enumerate(result.drafts):
        assert ANGLES[d.request.angle] in scripted.received[i][-1].content
        for other in result.drafts[i + 1:]:
            assert similarity(d.fields, other.fields) < 0.6
    assert [d.id for d in services.drafts.list()] == [d.id for d in result.drafts]


def test_a_near_duplicate_is_retried_with_what_to_avoid_then_removed(services, scripted, product):
    near = {**POSTS[0], "text": POSTS[0]["text"].replace("Sunday", "Saturday")}
    scripted.queue(POSTS[0], near, near, POSTS[1])  # variant 2 repeats itself on retry too
    result = variants(services, product, 3)
    assert [d.fields["text"] for d in result.drafts] == [POSTS[0]["text"], POSTS[1]["text"]]
    assert len(result.removed) == 2 and all(d.id is None for d in result.removed)
    retry_prompt = scripted.received[2][-1].content
    assert "Must clearly differ" in retry_prompt and "Sunday roast" in retry_prompt


def test_a_retry_that_differs_is_kept(services, scripted, product):
    scripted.queue(POSTS[0], POSTS[0], POSTS[2])
    result = variants(services, product, 2)
    assert [d.fields["text"] for d in result.drafts] == [POSTS[0]["text"], POSTS[2]["text"]]
    assert len(result.removed) == 1


@pytest.mark.parametrize("n", [0, 9])
def test_variant_count_is_bounded(services, product, n):
    with pytest.raises(InputError, match="--variants must be 1-8"):
        variants(services, product, n)


@pytest.mark.parametrize(
    "a, b, low, high",
    [
        ("the same text", "the same text", 1.0, 1.0),
        ("Deep juice groove keeps counters dry.", "Deep juice groove keeps the counter dry!", 0.6, 0.99),
        ("Deep juice groove keeps counters dry.", "FSC-certified Moso bamboo from Anji.", 0.0, 0.2),
        ("深槽设计，防止汁液流出", "深槽设计，防止汁液流到桌面", 0.4, 0.9),
    ],
)
def test_char_ngram_jaccard(a, b, low, high):
    assert low <= jaccard(shingles(a), shingles(b)) <= high
