"""The batch's connection pool (aiohttp below the guard) and the bridge from worker threads, against
the OpenAI-compatible stub on 127.0.0.1: faults still become the guard's retries, Retry-After is
honoured, a repeated request is answered from the cache. No timing: a fake clock for the backoff."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from assistant.batch.connections import AiohttpTransport, pool_transport
from assistant.batch.runner import RunOptions, model_transport
from assistant.batch.transport import BridgeTransport, GroupCommitCache, GuardedTransport, RetryPolicy, Stats, httpx
from tests.openai_stub import Stub, StubState
from tests.test_batch_transport import FakeClock

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Write a title"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "T", "schema": {
            "type": "object", "properties": {"title": {"type": "string"}}}}}}


@pytest.fixture
def stub(request):
    server = Stub(StubState(**getattr(request, "param", {}))).start_in_thread()
    yield server
    server.stop()


def send(stub: Stub, guard: GuardedTransport, *, read_s: float = 5.0) -> httpx.Response:
    async def go() -> httpx.Response:
        try:
            client = httpx.AsyncClient(transport=guard, timeout=httpx.Timeout(5.0, read=read_s))
            return await client.post(f"{stub.base_url}/chat/completions", json=CHAT)
        finally:
            await guard.aclose()

    return asyncio.run(go())


def test_a_run_sends_through_the_aiohttp_pool_under_its_guard_with_the_cache_in_front():
    loop = asyncio.new_event_loop()
    try:
        cache = {}.get  # anything with cache_get/cache_put; only identity matters here
        bridge = model_transport(loop, RunOptions(concurrency=4), Stats(), cache)  # type: ignore[arg-type]
        assert isinstance(bridge, BridgeTransport) and bridge.cache.store is cache
        assert isinstance(bridge.guard, GuardedTransport) and isinstance(bridge.guard.inner, AiohttpTransport)
        assert bridge.guard.inner.max_connections >= 4
        assert model_transport(loop, RunOptions(concurrency=4, cache=False), Stats(), cache).cache is None
    finally:
        loop.close()


@pytest.mark.parametrize("stub", [{"schedule": ["429", "500", "ok"], "retry_after": "7"}], indirect=True)
def test_429_and_500_from_the_pool_are_retried_honouring_retry_after(stub):
    clock, stats = FakeClock(), Stats()
    guard = GuardedTransport(pool_transport(4), policy=RetryPolicy(base_s=1, cap_s=30), stats=stats, sleep=clock.sleep)
    response = send(stub, guard)
    assert response.status_code == 200 and response.json()["choices"][0]["message"]["content"]
    assert stats.by_status == {"429": 1, "500": 1, "200": 1} and stats.retries == 2
    assert clock.slept[0] == 7.0 and 0 <= clock.slept[1] <= 2  # Retry-After, then backoff
    assert stub.state.chat_requests == 3


@pytest.mark.parametrize("stub, read_s, error", [
    ({"schedule": ["timeout", "ok"], "hang_s": 2.0}, 0.2, "ReadTimeout"),  # no answer in time
    ({"schedule": ["timeout", "ok"], "hang_s": 0.05}, 5.0, "RemoteProtocolError"),  # the server hung up
], indirect=["stub"])
def test_timeouts_and_dropped_connections_become_httpx_errors_the_guard_retries(stub, read_s, error):
    stats = Stats()
    guard = GuardedTransport(pool_transport(4), policy=RetryPolicy(base_s=0), stats=stats, sleep=FakeClock().sleep)
    assert send(stub, guard, read_s=read_s).status_code == 200
    assert stats.by_status == {error: 1, "200": 1}


@pytest.mark.parametrize("stub", [{"schedule": ["ok", "500"]}], indirect=True)
def test_the_bridge_answers_a_repeated_request_from_the_cache_and_never_caches_an_error(stub):
    store: dict[str, str] = {}
    cache = type("Cache", (), {"cache_get": staticmethod(store.get), "cache_put": staticmethod(store.__setitem__),
                               "cache_put_many": staticmethod(store.update)})()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    stats = Stats()
    bridge = model_transport(loop, RunOptions(concurrency=2, retry=RetryPolicy(attempts=1)), stats, cache)
    try:
        with httpx.Client(transport=bridge, timeout=5.0) as client:
            first = client.post(f"{stub.base_url}/chat/completions", json=CHAT)
            again = client.post(f"{stub.base_url}/chat/completions", json=CHAT)
            other = client.post(f"{stub.base_url}/chat/completions", json={**CHAT, "seed": 1})  # the 500
    finally:
        asyncio.run_coroutine_threadsafe(bridge.guard.aclose(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    assert first.json() == again.json() and again.headers["x-cache"] == "hit"
    assert other.status_code == 500 and len(store) == 1
    assert stub.state.chat_requests == 2 and stats.cache_hits == 1
    assert json.loads(next(iter(store.values())))["choices"]


def test_answers_cached_by_many_threads_are_written_together_and_found_meanwhile():
    class Store:
        def __init__(self):
            self.rows: dict[str, str] = {}
            self.transactions: list[list[str]] = []
            self.first_started, self.release = threading.Event(), threading.Event()

        def cache_get(self, key):
            return self.rows.get(key)

        def cache_put_many(self, entries):
            self.first_started.set()
            self.release.wait(10)  # the first write is slow: the other answers queue meanwhile
            self.transactions.append(sorted(entries))
            self.rows.update(entries)

    store = Store()
    cache = GroupCommitCache(store)
    writer = threading.Thread(target=cache.cache_put, args=("k0", "a0"))
    writer.start()
    assert store.first_started.wait(10)
    others = [threading.Thread(target=cache.cache_put, args=(f"k{i}", f"a{i}")) for i in range(1, 6)]
    for t in others:
        t.start()
    for t in others:
        t.join(10)  # they return at once: the writing thread takes their answers
    assert [cache.cache_get(f"k{i}") for i in range(6)] == [f"a{i}" for i in range(6)]  # found before written
    store.release.set()
    writer.join(10)
    assert store.transactions == [["k0"], [f"k{i}" for i in range(1, 6)]]
    assert store.rows == {f"k{i}": f"a{i}" for i in range(6)} and not cache.pending and not cache.writing
