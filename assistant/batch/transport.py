"""How batch requests reach the model endpoint: below the ``openai`` client, as httpx transports, so
the real client (and langchain-openai above it) is what talks to the server.

``GuardedTransport`` (asyncio): a limiter for requests/min and tokens/min, and retries with
exponential backoff and full jitter on 429, 5xx, timeouts and dropped connections, honouring
``Retry-After`` / ``retry-after-ms``. ``BridgeTransport`` lets the synchronous generation pipeline,
running in worker threads, send through the one event loop, and keeps the response cache: a request
whose body is byte-for-byte one already answered is served from the database, never paid twice.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import json
import random
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

try:  # the HTTP library openai (3.x) is built on; far less CPU per request with many connections
    import httpx2 as httpx
except ImportError:  # pragma: no cover - openai 1.x/2.x use httpx
    import httpx

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
RETRY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
CHARS_PER_TOKEN = 4


class Cache(Protocol):
    """What the bridge reads and writes answers through (``GroupCommitCache``)."""

    def cache_get(self, key: str) -> str | None: ...
    def cache_put(self, key: str, response: str) -> None: ...


class CacheStore(Protocol):
    """Where cached answers are kept (``JobStore``): written many at a time."""

    def cache_get(self, key: str) -> str | None: ...
    def cache_put_many(self, entries: dict[str, str]) -> None: ...


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    cache_hits: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1


class RateLimiter:
    """Two token buckets (requests and tokens per minute), refilled continuously; a bucket holds
    at most ``burst_s`` seconds' worth, so a fresh limiter does not fire a minute's quota at once."""

    def __init__(self, rpm: float | None = None, tpm: float | None = None, *, burst_s: float = 6.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.rates = [r / 60.0 if r else None for r in (rpm, tpm)]
        self.capacity = [max(1.0, r * burst_s) if r else 0.0 for r in self.rates]
        self.level = list(self.capacity)
        self.clock, self.sleep = clock, sleep
        self.stamp = clock()
        self.lock = asyncio.Lock()
        self.counts_tokens = bool(tpm)

    def _refill(self) -> None:
        now = self.clock()
        for i, rate in enumerate(self.rates):
            if rate:
                self.level[i] = min(self.capacity[i], self.level[i] + (now - self.stamp) * rate)
        self.stamp = now

    async def acquire(self, tokens: int) -> None:
        if not any(self.rates):
            return
        need = [1.0, float(tokens)]
        async with self.lock:  # first come, first served
            while True:
                self._refill()
                # a request bigger than a full bucket goes when the bucket is full (then it owes)
                short = [min(n, self.capacity[i]) - self.level[i] if rate else 0.0
                         for i, (n, rate) in enumerate(zip(need, self.rates))]
                if all(s <= 1e-9 for s in short):
                    for i, rate in enumerate(self.rates):
                        if rate:
                            self.level[i] -= need[i]
                    return
                await self.sleep(max(s / rate for s, rate in zip(short, self.rates) if rate and s > 0))


@dataclass
class RetryPolicy:
    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^attempt)]."""
        return self.rng.uniform(0, min(self.cap_s, self.base_s * (2 ** attempt)))

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        told = retry_after(response) if response is not None else None
        return min(self.cap_s, told) if told is not None else self.backoff(attempt)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, or ``Retry-After`` in seconds or
    as an HTTP date), or ``None``."""
    ms = response.headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (ValueError, TypeError):
        return None  # neither seconds nor a date: back off as usual


def estimate_tokens(body: bytes) -> int:
    """What a request will cost against the tokens/min limit: its size plus the output it allows."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return len(body) // CHARS_PER_TOKEN
    limit = data.get("max_completion_tokens") or data.get("max_tokens") or 0 if isinstance(data, dict) else 0
    return len(body) // CHARS_PER_TOKEN + int(limit or 0)


class GuardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, limiter: RateLimiter | None = None,
                 policy: RetryPolicy | None = None, stats: Stats | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.inner = inner
        self.limiter = limiter or RateLimiter()
        self.policy = policy or RetryPolicy()
        self.stats = stats or Stats()
        self.sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # the request's size only matters to a tokens/min limit: without one, its body is not parsed
        tokens = estimate_tokens(await request.aread()) if self.limiter.counts_tokens else 0
        for attempt in range(self.policy.attempts):
            last = attempt == self.policy.attempts - 1
            await self.limiter.acquire(tokens)
            self.stats.requests += 1
            try:
                response = await self.inner.handle_async_request(request)
                await response.aread()
            except RETRY_ERRORS as exc:
                self.stats.count(type(exc).__name__)
                if last:
                    raise
                response = None
            else:
                self.stats.count(str(response.status_code))
                if response.status_code not in RETRY_STATUS or last:
                    return response
                await response.aclose()
            self.stats.retries += 1
            await self.sleep(self.policy.delay(attempt, response))
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        await self.inner.aclose()


def request_key(request: httpx.Request, body: bytes) -> str:
    return hashlib.sha256(request.method.encode() + b" " + request.url.path.encode() + b"\n" + body).hexdigest()


class GroupCommitCache:
    """The response cache as a run's worker threads share it: an answer is kept in memory (found at
    once by the other threads) and written with every answer queued meanwhile, in one transaction, by
    the first thread that finds no write under way. Dozens of threads then do not queue one by one
    for the database's write lock. The writing thread returns when the queue is empty, so nothing
    queued outlives the run's threads."""

    def __init__(self, store: CacheStore):
        self.store = store
        self.lock = threading.Lock()
        self.pending: dict[str, str] = {}
        self.writing = False

    def cache_get(self, key: str) -> str | None:
        with self.lock:
            hit = self.pending.get(key)
        return hit if hit is not None else self.store.cache_get(key)

    def cache_put(self, key: str, response: str) -> None:
        with self.lock:
            self.pending[key] = response
            if self.writing:
                return  # the thread writing now takes it in its next transaction
            self.writing = True
        try:
            while True:
                with self.lock:
                    queued = dict(self.pending)
                    if not queued:
                        self.writing = False  # under the lock: a put from now on writes itself
                        return
                self.store.cache_put_many(queued)
                with self.lock:
                    for k in queued:
                        self.pending.pop(k, None)
        except BaseException:
            with self.lock:
                self.writing = False
            raise


class BridgeTransport(httpx.BaseTransport):
    """A synchronous transport (for ``openai.OpenAI`` in a worker thread) that hands each request to
    the guard on the event loop, with the response cache in front. The request and the answer cross
    the thread boundary as they are (no second client rebuilding the request on the loop)."""

    DROP = {"content-encoding", "content-length", "transfer-encoding"}

    def __init__(self, loop: asyncio.AbstractEventLoop, guard: httpx.AsyncBaseTransport, cache: Cache | None = None,
                 stats: Stats | None = None):
        self.loop, self.guard, self.cache = loop, guard, cache
        self.stats = stats or Stats()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        cached = self.cache is not None and request.method == "POST"
        key = request_key(request, body) if cached else ""
        if cached:
            hit = self.cache.cache_get(key)
            if hit is not None:
                self.stats.cache_hits += 1
                return httpx.Response(200, headers={"content-type": "application/json", "x-cache": "hit"},
                                      content=hit.encode(), request=request)
        response = asyncio.run_coroutine_threadsafe(self._send(request), self.loop).result()
        if cached and response.status_code == 200 and _answer(response.content):
            self.cache.cache_put(key, response.content.decode("utf-8"))
        return response

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self.guard.handle_async_request(request)
        content = await response.aread()  # whole and decoded, so the worker thread reads it without the loop
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in self.DROP]
        return httpx.Response(response.status_code, headers=headers, content=content, request=request)


def _answer(content: bytes) -> bool:
    """A complete chat completion (worth caching), not an error body."""
    try:
        data = json.loads(content)
    except ValueError:
        return False
    return isinstance(data, dict) and bool(data.get("choices"))
