"""Prometheus metrics of a service: HTTP requests by route, the outbox, the consumer and the database pools.

Each app has its own `CollectorRegistry` (several apps share a process in tests and `tandem up --single-process`),
served at `/<service>/internal/metrics`: beside the service's own paths, so a gateway routing by prefix routes it,
and away from the metrics service's API under `/metrics/v1`. Only the HTTP histograms are updated per request; the
outbox, consumer and pool figures are read at scrape time from what the relay, consumer and pools already keep.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tandem_shared.db import utcnow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from tandem_shared.runtime import ServiceRuntime

METRICS_PATH = "/internal/metrics"  # under the service's prefix: /<service>/internal/metrics
UNMATCHED = "unmatched"  # the route label of a path no route serves: raw paths would make unbounded series
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetricsMiddleware:
    """Counts requests and their durations by route template, method and status (pure ASGI: no body buffering)."""

    def __init__(self, app: ASGIApp, *, service: str, registry: CollectorRegistry) -> None:
        self.app = app
        self.service = service
        self.requests = Counter("tandem_http_requests", "HTTP requests by route template, method and status.",
                                ["service", "method", "route", "status"], registry=registry)
        self.duration = Histogram("tandem_http_request_duration_seconds",
                                  "Time from a request's arrival to the end of its response, by route template.",
                                  ["service", "method", "route", "status"], registry=registry, buckets=HTTP_BUCKETS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaping the app becomes a 500

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            labels = (self.service, scope["method"], route_template(scope), str(status))
            self.requests.labels(*labels).inc()
            self.duration.labels(*labels).observe(time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The matched route's full template ("/change/v1/changes/{change_id}"), or UNMATCHED.

    The router leaves the matched route in the scope; a route of an included router knows only its own part
    ("/changes/{change_id}"), so the literal prefix it was included under is taken from the path's leading segments.
    """
    template: str | None = getattr(scope.get("route"), "path", None)
    if not template:
        return UNMATCHED
    if ":path}" in template:
        return template  # a catch-all parameter spans segments: no way to tell the prefix apart (none is used)
    segments = scope["path"].split("/")
    return "/".join(segments[: max(len(segments) - template.count("/"), 0)]) + template


class ServiceCollector(Collector):
    """Reads the relay's, the consumer's and the pools' state when scraped; the hot path pays nothing for it."""

    def __init__(self, service: str, runtime: Callable[[], ServiceRuntime | None]) -> None:
        self.service = service
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        """The metric families of the service's runtime as it is now (none before the lifespan started it)."""
        runtime = self.runtime()
        if runtime is None:
            return
        yield from self._pools(runtime)
        if runtime.relay is not None:
            yield from self._relay(runtime)
        if runtime.consumer is not None:
            yield from self._consumer(runtime)

    def _gauge(self, name: str, documentation: str, value: float, **labels: str) -> GaugeMetricFamily:
        family = GaugeMetricFamily(name, documentation, labels=["service", *labels])
        family.add_metric([self.service, *labels.values()], value)
        return family

    def _pools(self, runtime: ServiceRuntime) -> Iterator[Metric]:
        engines: dict[str, AsyncEngine] = {"write": runtime.engine}
        if runtime.read_engine is not runtime.engine:
            engines["read"] = runtime.read_engine  # SQLite's query-only engine
        size = GaugeMetricFamily("tandem_db_pool_size", "Connections a pool keeps (overflow comes on top).",
                                 labels=["service", "engine"])
        used = GaugeMetricFamily("tandem_db_pool_connections", "A pool's connections by state: in_use (checked "
                                 "out), idle (checked in), overflow (beyond its size).",
                                 labels=["service", "engine", "state"])
        for name, engine in engines.items():
            pool: Any = engine.sync_engine.pool
            if not hasattr(pool, "checkedout"):
                continue  # a pool without counts (NullPool, StaticPool)
            size.add_metric([self.service, name], pool.size())
            used.add_metric([self.service, name, "in_use"], pool.checkedout())
            used.add_metric([self.service, name, "idle"], pool.checkedin())
            used.add_metric([self.service, name, "overflow"], max(pool.overflow(), 0))
        yield size
        yield used

    def _relay(self, runtime: ServiceRuntime) -> Iterator[Metric]:
        relay = runtime.relay
        assert relay is not None
        # Counted by the relay every few seconds (pending up to 10 000): what readiness shows too.
        if "pending" in relay.stats:
            yield self._gauge("tandem_outbox_pending", "Outbox rows waiting for publication (counted every 5 s, "
                              "up to 10 000).", relay.stats["pending"])
            yield self._gauge("tandem_outbox_parked", "Outbox rows parked after repeated refusals: no longer sent "
                              "until `tandem outbox unpark`.", relay.stats["parked"])
            oldest = relay.oldest_pending_at
            age = 0.0 if oldest is None else max((utcnow() - oldest).total_seconds(), 0.0)
            yield self._gauge("tandem_outbox_oldest_pending_age_seconds", "Age of the oldest outbox row waiting for "
                              "publication, at the last count (0 when none waits).", age)
        published = CounterMetricFamily("tandem_outbox_published", "Outbox rows this relay published (acknowledged "
                                        "by the broker).", labels=["service"])
        published.add_metric([self.service], relay.published_total)
        yield published
        yield self._gauge("tandem_relay_leader", "1 while this relay holds the lease and publishes the outbox.",
                          1.0 if relay.leader else 0.0)
        if relay.last_success is not None:
            yield self._gauge("tandem_relay_last_success_timestamp_seconds", "When the relay last finished a pass "
                              "without error (Unix time).", relay.last_success)

    def _consumer(self, runtime: ServiceRuntime) -> Iterator[Metric]:
        consumer = runtime.consumer
        assert consumer is not None
        lag = GaugeMetricFamily("tandem_consumer_lag", "Messages on a partition not yet applied and committed: the "
                                "end offset of the last fetch minus the committed offset.",
                                labels=["service", "group", "topic", "partition"])
        for tp, behind in sorted(consumer.lag().items()):
            lag.add_metric([self.service, consumer.group_id, tp.topic, str(tp.partition)], behind)
        yield lag
        yield from consumer.metrics.collect()
        if consumer.last_success is not None:
            yield self._gauge("tandem_consumer_last_success_timestamp_seconds", "When the consumer last applied "
                              "and committed a fetch, or fetched nothing new (Unix time).", consumer.last_success)
        yield self._gauge("tandem_consumer_healthy", "1 while the consumer polls or retries a transient failure.",
                          1.0 if consumer.healthy() else 0.0)


def service_registry(service: str, runtime: Callable[[], ServiceRuntime | None]) -> CollectorRegistry:
    """A registry of one service's app: its runtime's figures and the process's CPU and memory."""
    registry = CollectorRegistry()
    registry.register(ServiceCollector(service, runtime))
    ProcessCollector(registry=registry)
    return registry
