"""The embedded default's front door: one address that forwards each request to the process serving its service."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import cast

import httpcore
from starlette.types import Receive, Scope, Send

from tandem_shared.errors import PROBLEM_MEDIA_TYPE
from tandem_shared.gateway import freeze_startup_heap, send_json, send_unrouted

# Hop-by-hop headers (RFC 9110 §7.6.1) are about one connection and are not forwarded.
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
                        b"trailer", b"transfer-encoding", b"upgrade", b"host"})


WHOLE_BODY_LIMIT = 256 * 1024  # bytes; longer answers (the heatmap, exports) stream through as they come


class ProxyGateway:
    """An ASGI app that streams each request, unchanged, to the service owning its first path segment."""

    def __init__(self, upstreams: dict[str, str]) -> None:
        self.upstreams = upstreams
        # httpcore (what httpx is built on) without httpx's request and response models: a few hundred microseconds
        # less per request, which every call through the embedded default pays.
        self.pool = httpcore.AsyncConnectionPool(max_connections=200, max_keepalive_connections=50)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        prefix = scope["path"].lstrip("/").split("/", 1)[0]
        upstream = self.upstreams.get(prefix)
        if upstream is None:
            await send_unrouted(send, prefix, list(self.upstreams))
            return
        await self._forward(upstream, prefix, scope, receive, send)

    async def _forward(self, upstream: str, service: str, scope: Scope, receive: Receive, send: Send) -> None:
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        headers = [(b"host", upstream.split("://", 1)[1].encode())]
        headers += [(k, v) for k, v in scope["headers"] if k not in HOP_BY_HOP]
        client_host = (scope.get("client") or ("", 0))[0]
        headers += [(b"x-forwarded-for", client_host.encode()),
                    (b"x-forwarded-proto", scope.get("scheme", "http").encode())]
        request = httpcore.Request(scope["method"], upstream + target.decode("latin-1"), headers=headers,
                                   content=_body(receive) if _has_body(scope) else b"",
                                   extensions={"timeout": {"connect": 5.0}})  # no read timeout: responses stream
        try:
            response = await self.pool.handle_async_request(request)
        except (httpcore.ConnectError, httpcore.ConnectTimeout, httpcore.RemoteProtocolError) as exc:
            await _unavailable(send, service, exc)
            return
        try:
            headers = [(k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP]
            length = next((v for k, v in response.headers if k.lower() == b"content-length"), None)
            if length is not None and int(length) <= WHOLE_BODY_LIMIT:
                # Most answers are small JSON documents: read whole, sent in one write instead of one per chunk.
                body = await response.aread()
                await send({"type": "http.response.start", "status": response.status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            async for chunk in cast(AsyncIterable[bytes], response.stream):  # an async pool's response
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        freeze_startup_heap()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await self.pool.aclose()
        await send({"type": "lifespan.shutdown.complete"})


def _has_body(scope: Scope) -> bool:
    headers = dict(scope["headers"])
    return b"content-length" in headers or b"transfer-encoding" in headers


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    """The request body as it arrives, without holding it whole in memory."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        if chunk := message.get("body", b""):
            yield chunk
        if not message.get("more_body", False):
            return


async def _unavailable(send: Send, service: str, exc: Exception) -> None:
    await send_json(send, 503, {"type": "https://tandem.dev/problems/service-unavailable",
                                "title": "Service unavailable", "status": 503,
                                "detail": f"the {service} service does not answer (starting, stopping or down): "
                                          f"{type(exc).__name__}"}, PROBLEM_MEDIA_TYPE)
