"""Hard limits after generation: trimming at boundaries, list caps, byte and X counting."""

import pytest

from assistant.channels import FieldLimit, measure
from assistant.channels import trim_to_limit
from assistant.generation.limits import cap_items, enforce_limits, hard_limit_violations


@pytest.mark.parametrize(
    "text, limit, count, expected",
    [
        ("Short.", 10, "chars", "Short."),
        ("Deep juice groove keeps counters dry. Reversible for serving and more", 50, "chars",
         "Deep juice groove keeps counters dry."),
        ("Deep juice groove keeps counters dry, reversible for serving and more", 50, "chars",
         "Deep juice groove keeps counters dry"),
        ("Deep juice groove keeps counters dry and is reversible for serving", 30, "chars", "Deep juice groove keeps"),
        ("这是一个非常好的竹制砧板。它有深槽，可以防止汁液流出", 30, "cjk2", "这是一个非常好的竹制砧板。"),
        ("Schneidebrett für große Braten", 20, "bytes", "Schneidebrett für"),
        ("averyveryverylongwordwithoutspaces", 10, "chars", "averyveryv"),
    ],
)
def test_trim_at_a_boundary(text, limit, count, expected):
    got = trim_to_limit(text, limit, count)
    assert got == expected and measure(got, count) <= limit


def test_x_counts_links_as_23():
    text = "See https://example.com/a/very/long/path/that/goes/on/and/on/forever/and/ever " + "word " * 60
    got = trim_to_limit(text, 280, "x")
    assert measure(got, "x") <= 280 and got.startswith("See https://")


def test_caps_and_joined_byte_lists():
    limits = {"hashtags": FieldLimit(max_items=30, recommended_items=3),
              "keywords": FieldLimit(max=30, count="bytes", joined=" ")}
    fields = {"hashtags": [f"#t{i}" for i in range(10)], "keywords": ["bamboo board", "cutting board", "chopping"]}
    fixes = cap_items(fields, limits)
    assert fields == {"hashtags": ["#t0", "#t1", "#t2"], "keywords": ["bamboo board", "cutting board"]}
    assert len(fixes) == 2 and hard_limit_violations(fields, limits) == []


def test_the_model_gets_one_chance_then_text_is_trimmed():
    limits = {"title": FieldLimit(max=20), "bullets": FieldLimit(max=15), "soft": FieldLimit(max=5, soft=True)}
    fields = {"title": "A very long title that goes on", "bullets": ["ok", "another long bullet here"], "soft": "too long"}
    calls = []

    def shorten(overs):
        calls.append([o.label for o in overs])
        return {"title": "Short title", "bullets[1]": "still a bit too long"}

    fixes = enforce_limits(fields, limits, shorten)
    assert calls == [["title", "bullets[1]"]]
    assert fields == {"title": "Short title", "bullets": ["ok", "still a bit too"], "soft": "too long"}
    assert [f.split(":")[0] for f in fixes] == ["title", "bullets[1]", "bullets[1]"]
    assert hard_limit_violations(fields, limits) == []


def test_a_failed_shortening_call_still_ends_within_limits():
    fields = {"title": "A very long title that goes on"}
    enforce_limits(fields, {"title": FieldLimit(max=12)}, lambda overs: None)
    assert fields["title"] == "A very long"
