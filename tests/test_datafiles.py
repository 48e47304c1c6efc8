"""The parsed-YAML cache behind the packaged data files and rule packs (start-up speed)."""

import datetime

import pytest
import yaml

from assistant.datafiles import cache_dir, load_yaml


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def cached_files():
    folder = cache_dir() / "yaml"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_text_parsed_twice_is_read_from_the_cache_the_second_time():
    text = "rules:\n  - id: a\n    words: [x, y]\n"
    assert load_yaml(text) == {"rules": [{"id": "a", "words": ["x", "y"]}]}
    (entry,) = cached_files()
    entry.write_text('{"rules": "from the cache"}', encoding="utf-8")  # proves the second read uses it
    assert load_yaml(text) == {"rules": "from the cache"}


def test_an_edited_text_is_parsed_again_never_served_stale():
    load_yaml("limit: 30\n")
    assert load_yaml("limit: 31\n") == {"limit": 31}
    assert len(cached_files()) == 2


def test_data_json_cannot_hold_exactly_is_returned_but_not_cached():
    assert load_yaml("1: one\nwhen: 2026-12-01\n") == {1: "one", "when": datetime.date(2026, 12, 1)}
    assert cached_files() == []


def test_an_unwritable_cache_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert load_yaml("a: 1\n") == {"a": 1}


def test_a_syntax_error_is_raised_like_yaml_does():
    with pytest.raises(yaml.YAMLError):
        load_yaml("a: [1, 2\n")
