"""Chroma server mode: a real `chroma run` on 127.0.0.1, started and stopped by a fixture."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.errors import ProviderError
from assistant.services import build_services
from assistant.settings import load_settings
from tests.requirements import require
from tests.workflow_fixtures import free_port

STARTUP_S = 120  # generous: a loaded single-core CI machine starts Chroma slowly; a healthy one takes ~3 s


def _start(exe: str, data: Path) -> tuple[subprocess.Popen, str] | None:
    """``chroma run`` on a free port, once it answers; None when it exits first (e.g. another process took
    the port between choosing and binding it)."""
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_S
    while proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"chroma run did not answer on {url} within {STARTUP_S} s")
        time.sleep(0.2)
    return None


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    if not Path(exe).exists():
        require("the chroma command (package chromadb)", "install the 'knowledge' extra (make test does)")
    data = tmp_path_factory.mktemp("chroma-server")
    for _ in range(3):
        started = _start(exe, data)
        if started is not None:
            break
    else:
        pytest.fail("chroma run exited three times before answering (ports taken?)")
    proc, url = started
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
