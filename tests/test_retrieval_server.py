"""Chroma server mode: a real `chroma run` on 127.0.0.1, started and stopped by a fixture."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from assistant.errors import ProviderError
from assistant.services import build_services
from assistant.settings import load_settings
from tests.helpers import free_port, served
from tests.requirements import require

STARTUP_S = 120  # generous: a loaded single-core CI machine starts Chroma slowly; a healthy one takes ~3 s


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    if not Path(exe).exists():
        require("the chroma command (package chromadb)", "install the 'knowledge' extra (make test does)")
    data = tmp_path_factory.mktemp("chroma-server")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with served(lambda port: [exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                "/api/v2/heartbeat", timeout_s=STARTUP_S, env=env) as url:
        yield url


def test_ingest_and_search_through_a_chroma_server(chroma_server, tmp_path, isolated_home):
    folder = tmp_path / "guidelines"
    folder.mkdir()
    (folder / "voice.md").write_text("# Voice\n## Claims\nNever write eco-friendly; name the FSC certificate.\n"
                                     "## Emoji\nAt most one emoji per caption.\n", encoding="utf-8")
    svc = build_services(load_settings(provider="fake", chroma_url=chroma_server, chroma_collection="server_test"))
    first = svc.knowledge.ingest("acme", folder)
    assert first.counts()["added"] == 1 and first.embedded == 2
    assert svc.knowledge.search("acme", "eco-friendly claims", k=1)[0].section == "Voice > Claims"
    assert not (isolated_home / "chroma").exists()  # nothing went to the embedded store

    # a second client (another process, in real life) sees the same data and skips unchanged files
    other = build_services(load_settings(provider="fake", chroma_url=chroma_server, chroma_collection="server_test"))
    again = other.knowledge.ingest("acme", folder)
    assert again.embedded == 0 and again.counts()["unchanged"] == 1
    assert [s.source for s in other.knowledge.sources("acme")] == ["voice.md"]


def test_unreachable_server_is_a_clear_error():
    svc = build_services(load_settings(provider="fake", chroma_url=f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(ProviderError, match="(?s)cannot reach the Chroma server.*chroma run"):
        svc.knowledge.sources()
