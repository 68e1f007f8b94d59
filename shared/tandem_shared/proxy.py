"""The embedded default's front door: one address that forwards each request to the process serving its service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol, cast, runtime_checkable

import httpcore
from starlette.types import Receive, Scope, Send

from tandem_shared.errors import PROBLEM_MEDIA_TYPE, Problem
from tandem_shared.gateway import freeze_startup_heap, send_json, send_unrouted
from tandem_shared.limits import BodyLimitMiddleware
from tandem_shared.settings import platform_settings

log = logging.getLogger(__name__)

# Hop-by-hop headers (RFC 9110 §7.6.1) are about one connection and are not forwarded.
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
                        b"trailer", b"transfer-encoding", b"upgrade", b"host"})


WHOLE_BODY_LIMIT = 256 * 1024  # bytes; longer answers (the heatmap, exports) stream through as they come
# Request bodies up to this size are read whole before forwarding, so that one can be sent again (see _send) and a
# client that leaves mid-body sends nothing half; longer ones (imports) stream through and are not retried.
REPLAYABLE_BODY_LIMIT = 1024 * 1024
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
TIMEOUTS = {"timeout": {"connect": 5.0}}  # no read timeout: responses stream


class ProxyGateway:
    """An ASGI app that streams each request, unchanged, to the service owning its first path segment."""

    def __init__(self, upstreams: dict[str, str], *, max_body_bytes: int | None = None,
                 import_max_bytes: int | None = None) -> None:
        self.upstreams = upstreams
        # The services' own body limits, enforced here first: a service refusing a body it has not read closes the
        # connection while the front door is still sending it, and its 413 is lost with the connection (a 502).
        platform = platform_settings()
        self._limited = BodyLimitMiddleware(self._route, max_bytes=max_body_bytes or platform.max_body_bytes,
                                            import_max_bytes=import_max_bytes or platform.max_import_body_bytes)
        # httpcore (what httpx is built on) without httpx's request and response models: a few hundred microseconds
        # less per request, which every call through the embedded default pays.
        self.pool = httpcore.AsyncConnectionPool(max_connections=200, max_keepalive_connections=50)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        await self._limited(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        url = upstream + target.decode("latin-1")
        content: bytes | AsyncIterator[bytes] = b""
        if _has_body(scope):
            length = _content_length(scope)
            if length is not None and length <= REPLAYABLE_BODY_LIMIT:
                whole = await _read_whole(receive)
                if whole is None:
                    return  # the client went away before sending its request: nobody to answer
                content = whole
            else:
                content = _body(receive)
                if length is None:  # chunked (hop-by-hop, dropped above): re-framed the same way for the service
                    headers.append((b"transfer-encoding", b"chunked"))
        try:
            response = await self._send(scope["method"], url, headers, content)
        except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
            await _unavailable(send, service, exc)
            return
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:  # read, write, dropped, garbled
            await _broken(send, service, exc)
            return
        except Problem:
            raise  # the body limit's 413, answered by BodyLimitMiddleware
        except Exception as exc:  # h11's own errors (a body not matching its framing) and the like
            log.exception("forwarding to the %s service failed", service)
            await _broken(send, service, exc)
            return
        try:
            headers = [(k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP]
            length = _int_or_none(next((v for k, v in response.headers if k.lower() == b"content-length"), None))
            if length is not None and length <= WHOLE_BODY_LIMIT:
                # Most answers are small JSON documents: read whole, sent in one write instead of one per chunk.
                try:
                    body = await response.aread()
                except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
                    await _broken(send, service, exc)
                    return
                await send({"type": "http.response.start", "status": response.status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            # A failure from here on cannot change the status any more: it propagates, and the server aborts the
            # client's connection, so a cut-off answer is never mistaken for a whole one.
            async for chunk in cast(AsyncIterable[bytes], response.stream):  # an async pool's response
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            # A response not read to its end closes its connection here, so it never goes back to the pool.
            await response.aclose()

    async def _send(self, method: str, url: str, headers: list[tuple[bytes, bytes]],
                    content: bytes | AsyncIterator[bytes]) -> httpcore.Response:
        """The upstream's response; an idempotent request a kept-alive connection lost is sent once more, fresh.

        A server may close its end of a kept-alive connection at any moment (a restarted service; uvicorn after an
        exception that follows a complete answer, which the services' Gateway no longer lets through). A request the
        pool gives such a connection fails with a read, write or "disconnected" error and no answer. Whether the
        service acted on it first cannot be told, so only methods that may be repeated (RFC 9110 §9.2.2) are sent
        again, on a connection of their own; the others get a 502 problem.
        """
        request = httpcore.Request(method, url, headers=headers, content=content, extensions=TIMEOUTS)
        try:
            return await self.pool.handle_async_request(request)
        except (httpcore.ReadError, httpcore.WriteError, httpcore.RemoteProtocolError):
            if method not in IDEMPOTENT or not isinstance(content, bytes):
                raise  # the service may have acted on it, or a streamed body is gone
        origin = request.url.origin
        connection = httpcore.AsyncHTTPConnection(httpcore.Origin(origin.scheme, origin.host, origin.port))
        retry = httpcore.Request(method, url, headers=headers, content=content, extensions=TIMEOUTS)
        try:
            response = await connection.handle_async_request(retry)
        except BaseException:
            await connection.aclose()
            raise
        return _on_own_connection(response, connection)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        freeze_startup_heap()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await self.pool.aclose()
        await send({"type": "lifespan.shutdown.complete"})


class _ClosingStream:
    """A response body that closes the connection it came on once closed (a retry's connection is its own)."""

    def __init__(self, stream: AsyncIterable[bytes], connection: httpcore.AsyncHTTPConnection) -> None:
        self.stream = stream
        self.connection = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            if isinstance(self.stream, _Closable):
                await self.stream.aclose()
        finally:
            await self.connection.aclose()


@runtime_checkable
class _Closable(Protocol):
    async def aclose(self) -> None: ...


def _on_own_connection(response: httpcore.Response, connection: httpcore.AsyncHTTPConnection) -> httpcore.Response:
    """The response, closing its connection with it."""
    stream = _ClosingStream(cast(AsyncIterable[bytes], response.stream), connection)
    return httpcore.Response(response.status, headers=response.headers, content=stream,
                             extensions=response.extensions)


def _has_body(scope: Scope) -> bool:
    headers = dict(scope["headers"])
    return b"content-length" in headers or b"transfer-encoding" in headers


def _content_length(scope: Scope) -> int | None:
    if any(k == b"transfer-encoding" for k, _ in scope["headers"]):
        return None
    return _int_or_none(dict(scope["headers"]).get(b"content-length"))


def _int_or_none(value: bytes | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def _read_whole(receive: Receive) -> bytes | None:
    """The whole request body, or None if the client disconnected first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


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


async def _broken(send: Send, service: str, exc: Exception) -> None:
    """A 502: the service took the connection and dropped it, or answered what is not HTTP."""
    log.warning("the %s service dropped a request without answering: %s: %s", service, type(exc).__name__, exc)
    await send_json(send, 502, {"type": "https://tandem.dev/problems/bad-gateway", "title": "Bad gateway",
                                "status": 502,
                                "detail": f"the {service} service closed the connection without answering: "
                                          f"{type(exc).__name__}"}, PROBLEM_MEDIA_TYPE)
