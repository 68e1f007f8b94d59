"""The embedded default: every service in one process behind one address, routed by path prefix."""

from __future__ import annotations

import importlib
from contextlib import AsyncExitStack

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from tandem_shared.errors import PROBLEM_MEDIA_TYPE
from tandem_shared.settings import SERVICES


def load_service_app(service: str, **kwargs) -> FastAPI:  # noqa: ANN003 - forwarded to create_app
    """Import a service package and build its app (services are found by name, not imported here)."""
    return importlib.import_module(f"tandem_{service}.main").create_app(**kwargs)


class Gateway:
    """An ASGI app that hands each request to the service owning its first path segment, unchanged."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        prefix = scope.get("path", "/").lstrip("/").split("/", 1)[0]
        app = self.apps.get(prefix)
        if app is not None:
            await app(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        if prefix == "":
            await _json(send, 200, b'{"services":' + _index(self.apps) + b"}", "application/json")
            return
        body = (b'{"type":"https://tandem.dev/problems/not-found","title":"Not found","status":404,'
                b'"detail":"no service serves this path; services: ' + ", ".join(self.apps).encode() + b'"}')
        await _json(send, 404, body, PROBLEM_MEDIA_TYPE)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        stack = AsyncExitStack()
        try:
            for app in self.apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
        except Exception as exc:  # noqa: BLE001 - reported to the server, which exits
            await stack.aclose()
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        try:
            await stack.aclose()
        except Exception as exc:  # noqa: BLE001
            await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
            return
        await send({"type": "lifespan.shutdown.complete"})


def _index(apps: dict[str, FastAPI]) -> bytes:
    import json

    return json.dumps({name: {"api": f"/{name}/v1", "docs": f"/{name}/docs", "openapi": f"/{name}/openapi.json",
                              "ready": f"/{name}/readyz"} for name in apps}).encode()


async def _json(send: Send, status: int, body: bytes, media_type: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_gateway(services: tuple[str, ...] = SERVICES) -> Gateway:
    """All named services in one ASGI app."""
    return Gateway({name: load_service_app(name) for name in services})
