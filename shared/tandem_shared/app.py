"""The FastAPI app factory every service uses: probes, problem errors, correlation ids, lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tandem_shared.asyncapi import asyncapi_router
from tandem_shared.auth import Authenticator
from tandem_shared.broker import broker_reachable
from tandem_shared.consumer import Handler
from tandem_shared.errors import PROBLEM_MEDIA_TYPE, install_problem_handlers
from tandem_shared.events import correlation_id_var
from tandem_shared.headers import correlation_id
from tandem_shared.inputs import RejectNulMiddleware
from tandem_shared.limits import BodyLimitMiddleware
from tandem_shared.logs import LogContextMiddleware, configure_production_logging
from tandem_shared.openapi import operation_id, problem_response, service_openapi
from tandem_shared.prometheus import METRICS_PATH, HttpMetricsMiddleware, service_registry
from tandem_shared.runtime import BackgroundTask, ServiceRuntime
from tandem_shared.settings import PlatformSettings, ServiceSettings, platform_settings, service_settings
from tandem_shared.tracing import ServiceTracing, TracingMiddleware


@dataclass
class ServiceSpec:
    """What makes a service: its name, routers and the event handlers it consumes with."""

    name: str
    title: str
    description: str
    routers: Sequence[APIRouter]
    handlers: dict[str, Handler] = field(default_factory=dict)
    version: str = "0.1.0"
    # Long-running coroutines started with the relay and consumer (e.g. periodic publishers).
    background: Sequence[BackgroundTask] = ()
    tags: list[dict[str, Any]] = field(default_factory=list)


class CorrelationIdMiddleware:
    """Takes X-Correlation-ID from the request (or makes one) for logs and events; echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        cid = correlation_id(headers.get(b"x-correlation-id"))
        token = correlation_id_var.set(cid)

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-correlation-id", cid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            correlation_id_var.reset(token)


def create_service_app(spec: ServiceSpec, *, settings: ServiceSettings | None = None,
                       platform: PlatformSettings | None = None, workers: bool | None = None) -> FastAPI:
    """Build a service's app; its lifespan runs the relay and consumer unless `workers` is False."""
    platform = platform or platform_settings()
    settings = settings or service_settings(spec.name)
    prefix = f"/{spec.name}"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime(spec.name, handlers=spec.handlers, settings=settings, platform=platform,
                                 background=spec.background, tracing=app.state.tracing)
        app.state.runtime = runtime
        app.state.authenticator = Authenticator(platform)
        await runtime.start(workers=workers)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs",
        redoc_url=None,
        lifespan=lifespan,
        openapi_tags=spec.tags or None,
        generate_unique_id_function=operation_id,  # `approveChange`, not `approve_change_change_v1_..._post`
    )
    app.add_middleware(RejectNulMiddleware)  # inside the correlation id: its 422 carries one too
    # Outside the NUL check, which reads JSON and text bodies whole.
    app.add_middleware(BodyLimitMiddleware, max_bytes=platform.max_body_bytes,
                       import_max_bytes=platform.max_import_body_bytes)
    app.add_middleware(CorrelationIdMiddleware)
    # Its own registry per app: several apps share a process (tests, `tandem up --single-process`).
    app.state.metrics_registry = registry = service_registry(spec.name, lambda: getattr(app.state, "runtime", None))
    if platform.metrics_enabled:
        app.add_middleware(HttpMetricsMiddleware, service=spec.name, registry=registry)
    app.add_middleware(LogContextMiddleware, service=spec.name)  # log lines name the service of their request
    # Outermost: the request's span covers the other layers and is current where its events are recorded (OTEL_*).
    app.state.tracing = ServiceTracing.from_env(spec.name)
    app.add_middleware(TracingMiddleware, tracing=app.state.tracing)
    configure_production_logging(platform.environment, platform.log_format, platform.log_level, service=spec.name)
    install_problem_handlers(app)

    if platform.metrics_enabled:
        @app.get(f"{prefix}{METRICS_PATH}", include_in_schema=False)
        async def prometheus_metrics() -> Response:
            """Prometheus metrics in the text exposition format (for scrapers inside the cluster, not clients)."""
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get(f"{prefix}/healthz", tags=["probes"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @app.get(f"{prefix}/readyz", tags=["probes"], responses={503: problem_response("The database does not answer")},
             summary="Readiness: the service's database answers; broker and workers are reported, not required")
    async def readyz() -> JSONResponse:
        runtime: ServiceRuntime = app.state.runtime
        checks: dict[str, Any] = {}
        try:
            async with runtime.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            checks["database"] = f"unreachable: {type(exc).__name__}"
        if runtime.bootstrap:
            # Bounded: a broker that drops packets must not make the probe itself time out.
            try:
                reachable = await asyncio.wait_for(broker_reachable(runtime.bootstrap, timeout=1.0), 1.0)
            except TimeoutError:
                reachable = False
            checks["broker"] = "ok" if reachable else "unreachable"
        else:
            checks["broker"] = "not configured"
        checks.update({k: v for k, v in runtime.status().items() if v is not None})
        # Only the database decides: during a broker outage writes still commit, their events wait in the outbox
        # and the consumer catches up afterwards, so taking replicas out of service would only refuse those writes.
        ready = checks["database"] == "ok"
        body: dict[str, Any] = {"status": "ready" if ready else "not ready", "service": spec.name, "checks": checks}
        if not ready:
            body.update(type="https://tandem.dev/problems/unavailable", title="Service not ready", status=503,
                        detail=f"database: {checks['database']}")
        return JSONResponse(body, status_code=200 if ready else 503,
                            media_type="application/json" if ready else PROBLEM_MEDIA_TYPE)

    for router in spec.routers:
        app.include_router(router, prefix=f"{prefix}/v1")
    app.include_router(asyncapi_router(spec.name, spec.handlers))  # GET /<service>/asyncapi.json

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = service_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
