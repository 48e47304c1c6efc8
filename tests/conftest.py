"""Shared fixtures: every test gets its own data dir and no network credentials."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.llm import LLMHandle
from assistant.llm.fake import ScriptedChatModel
from assistant.services import build_services
from assistant.settings import REPO_ROOT, load_settings

SAMPLE_PRODUCTS = REPO_ROOT / "knowledge" / "bambuu" / "products.jsonl"
pytest_plugins = ["tests.workflow_fixtures"]  # database (SQLite + PostgreSQL) and workflow fixtures


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ASSISTANT_CONFIG", "ASSISTANT_PROVIDER", "ASSISTANT_MODEL"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def scripted() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
def services(scripted):
    settings = load_settings(provider="fake")
    return build_services(settings, llm=LLMHandle(scripted, "fake", "scripted"))


@pytest.fixture
def good_listing() -> dict:
    return {
        "title": "Bambuu Moso Bamboo Cutting Board with Juice Groove, 45 x 30 cm",
        "bullets": [
            "Deep juice groove keeps your counter dry while you carve.",
            "Reversible: one side for prep, one for serving.",
            "FSC-certified Moso bamboo, finished with food-grade mineral oil.",
        ],
        "description": "A sturdy 45 x 30 x 2 cm board made in Anji, Zhejiang. Hand wash and oil monthly.",
        "meta_title": "Bambuu Bamboo Cutting Board with Juice Groove",
        "meta_description": "Reversible FSC-certified bamboo cutting board, 45 x 30 cm, with a deep juice groove.",
        "image_alt_text": "Bamboo cutting board with a juice groove on a kitchen counter",
        "search_keywords": ["bamboo cutting board", "chopping board", "juice groove"],
    }


@pytest.fixture
def product_file(tmp_path) -> Path:
    path = tmp_path / "products.jsonl"
    path.write_text(SAMPLE_PRODUCTS.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
