"""The limiter and retry rules, with a fake clock (no timing)."""

from __future__ import annotations

import asyncio

import pytest

from assistant.batch.transport import GuardedTransport, RateLimiter, RetryPolicy, Stats, httpx, retry_after


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_requests_per_minute_are_spread_out():
    clock = FakeClock()
    limiter = RateLimiter(rpm=60, burst_s=2, clock=clock, sleep=clock.sleep)

    async def go():
        for _ in range(12):
            await limiter.acquire(10)

    asyncio.run(go())
    assert clock.now == pytest.approx(10.0, abs=0.01)  # 2 at once (burst), then one a second


def test_tokens_per_minute_limit_waits_for_tokens():
    clock = FakeClock()
    limiter = RateLimiter(tpm=600, burst_s=10, clock=clock, sleep=clock.sleep)  # 10 tokens/s, bucket 100

    async def go():
        for _ in range(3):
            await limiter.acquire(100)

    asyncio.run(go())
    assert clock.now == pytest.approx(20.0, abs=0.01)


@pytest.mark.parametrize("headers, expected", [
    ({"retry-after": "3"}, 3.0), ({"retry-after-ms": "250"}, 0.25), ({}, None), ({"retry-after": "soon"}, None),
])
def test_retry_after(headers, expected):
    assert retry_after(httpx.Response(429, headers=headers)) == expected


def test_guard_retries_429_then_returns_the_answer_honouring_retry_after():
    answers = [httpx.Response(429, headers={"retry-after": "7"}), httpx.Response(503),
               httpx.Response(200, json={"ok": True})]
    clock = FakeClock()

    async def go():
        transport = GuardedTransport(httpx.MockTransport(lambda request: answers.pop(0)),
                                     policy=RetryPolicy(base_s=1, cap_s=30), stats=Stats(), sleep=clock.sleep)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.post("http://x/v1/chat/completions", json={"max_tokens": 5}), transport.stats

    response, stats = asyncio.run(go())
    assert response.json() == {"ok": True} and stats.retries == 2
    assert clock.slept[0] == 7.0 and 0 <= clock.slept[1] <= 2


def test_guard_gives_up_after_its_attempts():
    async def go():
        transport = GuardedTransport(httpx.MockTransport(lambda request: httpx.Response(500)),
                                     policy=RetryPolicy(attempts=3, base_s=0), sleep=FakeClock().sleep)
        async with httpx.AsyncClient(transport=transport) as client:
            return (await client.get("http://x/")).status_code, transport.stats.requests

    assert asyncio.run(go()) == (500, 3)
