"""The OpenAI-compatible embedder against a stub server on 127.0.0.1. (MiniLM, the optional ``semantic``
extra, needs torch: installing it would add about 6 minutes to a fresh ``make test``, so it is not tested
and README quotes no figures for it.)"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.retrieval.embeddings import HashEmbeddings
from assistant.services import build_services
from assistant.settings import load_settings


@pytest.fixture
def embeddings_server():
    """An OpenAI-compatible /v1/embeddings stub; records every request body."""
    requests: list[dict] = []
    inner = HashEmbeddings(256)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(body)
            data = [{"object": "embedding", "index": i, "embedding": inner.embed_query(text)}
                    for i, text in enumerate(body["input"])]
            payload = json.dumps({"object": "list", "data": data, "model": body["model"],
                                  "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    server.shutdown()
    server.server_close()


def test_openai_embedder_against_a_compatible_server(embeddings_server, tmp_path, monkeypatch):
    url, requests = embeddings_server
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    settings = load_settings(provider="fake", embedder="openai", openai_base_url=url, embedding_model="my-embedder")
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "voice.md").write_text("# Voice\n## Claims\nNever write eco-friendly.\n## Emoji\nOne per caption.\n",
                                     encoding="utf-8")
    kb = build_services(settings).knowledge
    assert kb.ingest("acme", folder).embedded == 2
    assert requests[0]["model"] == "my-embedder" and len(requests[0]["input"]) == 2
    assert kb.store.embedder == "openai-my-embedder"
    assert kb.search("acme", "eco-friendly claims", k=1)[0].section == "Voice > Claims"
