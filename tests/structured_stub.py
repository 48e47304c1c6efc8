"""A tiny OpenAI-compatible server on 127.0.0.1 for the structured output tests: which methods it accepts
is configurable, replies are queued, every request body is recorded."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def method_of(body: dict[str, Any]) -> str:
    """Which structured output method a chat request uses (as ``assistant.llm.openai_provider`` names them)."""
    fmt = body.get("response_format") or {}
    if body.get("tools"):
        return "function_calling"
    if fmt.get("type") == "json_schema":
        return "json_schema"
    if fmt.get("type") == "json_object":
        return "json_object_schema" if "schema" in fmt else "json_mode"
    return "text"


class StubServer:
    def __init__(self, accepts: set[str]):
        self.accepts = set(accepts)
        self.replies: list[Any] = []  # dicts are sent as the JSON content (or the tool call's arguments)
        self.requests: list[dict[str, Any]] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def methods_asked(self) -> list[str]:
        return [method_of(body) for body in self.requests]

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        method = method_of(body)
        if method not in self.accepts:
            return 400, {"error": {"message": f"unsupported: {method}", "type": "invalid_request_error"}}
        reply = self.replies.pop(0) if self.replies else {}
        content = reply if isinstance(reply, str) else json.dumps(reply)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if method == "function_calling":
            name = body["tools"][0]["function"]["name"]
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": content}}]}
        return 200, {"id": "stub", "object": "chat.completion", "created": 0, "model": body.get("model"),
                     "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                     "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                status, payload = server._answer(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        return Handler

    def __enter__(self) -> "StubServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
