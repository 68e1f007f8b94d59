"""Services in one process behind one address, routed by path prefix (`tandem serve`, `tandem up --single-process`)."""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import logging
from contextlib import AsyncExitStack
from typing import Any

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from tandem_shared import log_throttle
from tandem_shared.errors import PROBLEM_MEDIA_TYPE
from tandem_shared.settings import SERVICES

log = logging.getLogger(__name__)


def load_service_app(service: str, **kwargs: Any) -> FastAPI:
    """Import a service package and build its app (services are found by name, not imported here)."""
    app: FastAPI = importlib.import_module(f"tandem_{service}.main").create_app(**kwargs)
    return app


class Gateway:
    """An ASGI app that hands each request to the service owning its first path segment, unchanged."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = apps
        self.stop_failures: list[str] = []  # services whose shutdown did not finish, with why

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        prefix = scope.get("path", "/").lstrip("/").split("/", 1)[0]
        app = self.apps.get(prefix)
        if app is not None:
            if scope["type"] == "http":
                await _answer(app, scope, receive, send)
            else:
                await app(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        await send_unrouted(send, prefix, list(self.apps))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        log_throttle.install()  # a broker outage is one line per kind of error and a summary, not hundreds a second
        stacks: list[tuple[str, AsyncExitStack]] = []
        try:
            for name, app in self.apps.items():
                stack = AsyncExitStack()
                await stack.enter_async_context(app.router.lifespan_context(app))
                stacks.append((name, stack))
        except Exception as exc:  # noqa: BLE001 - reported to the server, which exits
            await self._stop(stacks)
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            return
        freeze_startup_heap()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await self._stop(stacks)
        if self.stop_failures:
            await send({"type": "lifespan.shutdown.failed", "message": "; ".join(self.stop_failures)})
            return
        await send({"type": "lifespan.shutdown.complete"})

    async def _stop(self, stacks: list[tuple[str, AsyncExitStack]]) -> None:
        """Stop each service, the last started first; one that fails to stop cleanly does not keep the others up."""
        for name, stack in reversed(stacks):
            try:
                await stack.aclose()
            except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - a Kafka client cancelled inside
                # One line, not a traceback: what did not finish is what the operator needs (the inbox and the
                # outbox make the next start pick up whatever was left).
                why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                reason = f"{name}: stopping did not finish ({why})"
                log.error("%s; what it had not committed or published is taken up again on the next start", reason)
                self.stop_failures.append(reason)


async def _answer(app: FastAPI, scope: Scope, receive: Receive, send: Send) -> None:
    """Run the app on one request; an exception raised after its answer went out whole is logged, not raised.

    Starlette re-raises an unhandled exception after sending its 500, and uvicorn then closes the connection, even
    though the answer was complete and the connection is sound: a request that a client (the front door's pool)
    sent on that kept-alive connection meanwhile is lost unanswered, perhaps after the service acted on it.
    """
    answered = False
    status = 0

    async def tracked(message: Message) -> None:
        nonlocal answered, status
        await send(message)
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            answered = True

    try:
        await app(scope, receive, tracked)
    except Exception as exc:
        if not answered:
            raise  # uvicorn answers 500 with Connection: close, or cuts a partial answer off
        if status == 500:  # the problem handler's answer: it has logged the traceback already
            log.debug("%s %s: the 500 went out; the connection stays open (%s)", scope["method"], scope["path"],
                      type(exc).__name__)
        else:  # e.g. a background task that failed after its response
            log.exception("%s %s failed after answering", scope["method"], scope["path"])


def freeze_startup_heap() -> None:
    """Move everything start-up built (modules, apps, engines) out of the cyclic collector's sight.

    Those objects live as long as the process; without this, every full collection walks them all again (about
    100 ms for a service's heap on a 2-core VM), a pause that lands on whichever request or event is in flight.
    """
    gc.collect()
    gc.freeze()


async def send_unrouted(send: Send, prefix: str, services: list[str]) -> None:
    """The index of services at `/`; a 404 problem for any other path no service owns."""
    if prefix == "":
        index = {name: {"api": f"/{name}/v1", "docs": f"/{name}/docs", "openapi": f"/{name}/openapi.json",
                        "ready": f"/{name}/readyz"} for name in services}
        await send_json(send, 200, {"services": index}, "application/json")
        return
    await send_json(send, 404, {"type": "https://tandem.dev/problems/not-found", "title": "Not found", "status": 404,
                                "detail": f"no service serves this path; services: {', '.join(services)}"},
                    PROBLEM_MEDIA_TYPE)


async def send_json(send: Send, status: int, body: dict[str, Any], media_type: str) -> None:
    """A whole JSON response, sent straight through ASGI."""
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", media_type.encode()), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


def create_gateway(services: tuple[str, ...] = SERVICES) -> Gateway:
    """All named services in one ASGI app."""
    return Gateway({name: load_service_app(name) for name in services})
