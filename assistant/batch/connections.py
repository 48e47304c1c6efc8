"""The connection pool below the batch's guard (``transport.GuardedTransport``).

aiohttp's pool costs about half the CPU per request of httpx's at the batch's concurrency (httpx's
pool scans every connection on each request, so its cost grows with the number of connections).
``AiohttpTransport`` keeps the httpx transport interface the guard and the ``openai`` client speak:
it reads each answer whole (chat completions are small) and turns aiohttp's errors into httpx's, so
the guard's retry rules are the same whichever pool is below it. Without aiohttp the httpx pool is
used.
"""

from __future__ import annotations

import asyncio

from assistant.batch.transport import GuardedTransport, RateLimiter, RetryPolicy, Stats, httpx

try:
    import aiohttp
except ImportError:  # pragma: no cover - a core dependency; the httpx pool still works
    aiohttp = None


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport over one aiohttp session (created on first use, in the running loop)."""

    def __init__(self, max_connections: int):
        self.max_connections = max_connections
        self.session: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None:
            connector = aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=0)
            # compressed answers stay compressed here: httpx decodes them, as with its own pool
            self.session = aiohttp.ClientSession(connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar())
        return self.session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout") or {}
        body = await request.aread()
        try:
            async with self._session().request(
                    request.method, str(request.url), headers=request.headers.multi_items(), data=body or None,
                    allow_redirects=False, timeout=aiohttp.ClientTimeout(
                        total=None, connect=timeout.get("pool"), sock_connect=timeout.get("connect"),
                        sock_read=timeout.get("read"))) as answer:
                content = await answer.read()
        except asyncio.TimeoutError as exc:  # aiohttp's timeouts are asyncio.TimeoutError too
            raise httpx.ReadTimeout(str(exc) or "timed out waiting for the server", request=request) from exc
        except aiohttp.ServerDisconnectedError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError) as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx.Response(answer.status, headers=answer.raw_headers, stream=httpx.ByteStream(content),
                              request=request, extensions={"http_version": b"HTTP/1.1"})

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.close()


def pool_transport(concurrency: int) -> httpx.AsyncBaseTransport:
    """Connections for ``concurrency`` requests in flight (a few spare for retries)."""
    if aiohttp is not None:
        return AiohttpTransport(concurrency + 8)
    limits = httpx.Limits(max_connections=concurrency + 8, max_keepalive_connections=concurrency + 8)
    return httpx.AsyncHTTPTransport(limits=limits, retries=0)


def guarded_transport(*, concurrency: int, limiter: RateLimiter | None = None, policy: RetryPolicy | None = None,
                      stats: Stats | None = None) -> GuardedTransport:
    """What the batch's model calls go through: the limiter and retries over the connection pool."""
    return GuardedTransport(pool_transport(concurrency), limiter, policy, stats)
