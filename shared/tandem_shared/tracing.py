"""OpenTelemetry traces: a request's span, the trace context in each event, the relay's send and the consumer's apply.

Off unless the standard OTEL_* variables turn it on (`OTEL_TRACES_EXPORTER=otlp|console`, or an
`OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`; `OTEL_SDK_DISABLED=true` wins). Off, a service builds no provider and starts
no span: every hook below returns at its first line, and the events it records carry no `traceparent`.

Each app has its own TracerProvider (`ServiceTracing`), never the global one: several services share a process
(tests, `tandem up --single-process`) and each names its own `service.name`. The trace context itself is
OpenTelemetry's context variable, so a span started by one service's hook is the parent of what runs inside it.
aiokafka has no maintained instrumentation and PyPI's FastAPI/SQLAlchemy instrumentations are not in the package
index Tandem builds from, so the three hops are spanned here by hand with the W3C propagator: the server span of a
request, the producer span of the relay's send (a child of the context the outbox row carries, written to the
Kafka headers `traceparent`/`tracestate`) and the consumer span of an event's apply (a child of those headers, or of
the envelope's extension attributes when a message has none), whose own events carry it on to the next service.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tandem_shared.prometheus import route_template

if TYPE_CHECKING:
    from tandem_shared.events import CloudEvent

log = logging.getLogger(__name__)
W3C = TraceContextTextMapPropagator()
KAFKA_HEADERS = [("content-type", b"application/cloudevents+json")]  # of every record the relay sends
UNTRACED_PATHS = ("/healthz", "/readyz", "/internal/metrics")  # probes and scrapes: a span each would be noise
# The extension attributes in an outbox row's stored JSON text, where they come before `data` (a JSON column keeps
# the text as written): the relay sends that text as it is and does not decode it, so the context is found in it.
_ON_ANYWHERE = [False]  # whether any app in this process turned tracing on: if none did, no span can be current
_PAYLOAD_CONTEXT = re.compile(rb'"(traceparent|tracestate)":\s*"((?:[^"\\]|\\.)*)"')


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"true", "1", "yes"}


def exporters_from_env(environ: dict[str, str] | None = None) -> list[SpanExporter]:
    """The span exporters the OTEL_* variables ask for; none (tracing off) unless set.

    Unlike the SDK's own default (`otlp`), an unset `OTEL_TRACES_EXPORTER` means off unless an OTLP endpoint is
    configured: a service must not try to reach a collector nobody runs.
    """
    env = os.environ if environ is None else environ
    if _truthy(env.get("OTEL_SDK_DISABLED")):
        return []
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    if not names and (env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")):
        names = ["otlp"]
    exporters: list[SpanExporter] = []
    for name in names:
        if name == "none":
            return []
        if name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name == "otlp":
            protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
            if protocol not in (None, "", "http/protobuf"):
                raise ValueError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: Tandem ships the OTLP exporter over "
                                 "HTTP only; use http/protobuf (port 4318)")
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())  # endpoint, headers, timeout, compression: from OTEL_EXPORTER_OTLP_*
        else:
            raise ValueError(f"OTEL_TRACES_EXPORTER={name!r} is not one of otlp, console, none")
    return exporters


class ServiceTracing:
    """One app's tracing: off (no provider, no spans) or a TracerProvider of its own with its span processors."""

    def __init__(self, service: str, processors: Sequence[SpanProcessor] = ()) -> None:
        self.service = service
        self.provider: TracerProvider | None = None
        self.tracer: trace.Tracer = trace.NoOpTracer()
        self.enabled = False
        if processors:
            self.use(*processors)

    @classmethod
    def from_env(cls, service: str) -> ServiceTracing:
        """Tracing as the OTEL_* variables configure it: batched export to each exporter named, or off."""
        return cls(service, [BatchSpanProcessor(exporter) for exporter in exporters_from_env()])

    def use(self, *processors: SpanProcessor) -> None:
        """Turn tracing on with these processors (tests and benchmarks pass an in-memory exporter's)."""
        # OTEL_SERVICE_NAME (read by Resource.create) names a process that runs one service; otherwise tandem-<name>.
        name = os.environ.get("OTEL_SERVICE_NAME") or f"tandem-{self.service}"
        provider = TracerProvider(resource=Resource.create({"service.name": name, "service.namespace": "tandem"}))
        for processor in processors:
            provider.add_span_processor(processor)
        self.provider = provider
        self.tracer = provider.get_tracer("tandem_shared.tracing")
        self.enabled = _ON_ANYWHERE[0] = True

    async def flush(self, wait_seconds: float = 5.0) -> None:
        """Export what the batch processors still hold (on shutdown), in a thread: a slow collector blocks no loop."""
        if self.provider is not None:
            await asyncio.to_thread(self.provider.force_flush, int(wait_seconds * 1000))

    # The relay's send.

    def start_send(self, topic: str, key: str, payload: str) -> tuple[trace.Span | None, list[tuple[str, bytes]]]:
        """A producer span for one outbox row, child of the context it carries, and the Kafka headers to send."""
        if not self.enabled:
            return None, KAFKA_HEADERS
        carrier: dict[str, str] = {}
        for name, value in _PAYLOAD_CONTEXT.findall(payload.encode()):
            carrier.setdefault(name.decode(), _json_string(value))  # the envelope's attributes come before `data`
        span = self.tracer.start_span(f"send {topic}", context=W3C.extract(carrier, Context()), kind=SpanKind.PRODUCER,
                                      attributes={"messaging.system": "kafka", "messaging.operation.type": "send",
                                                  "messaging.destination.name": topic,
                                                  "messaging.kafka.message.key": key})
        headers: dict[str, str] = {}
        W3C.inject(headers, trace.set_span_in_context(span, Context()))
        return span, KAFKA_HEADERS + [(name, value.encode()) for name, value in headers.items()]

    @staticmethod
    def end_send(span: trace.Span | None, result: object) -> None:
        """End a send's span when the broker answered: an error status if it refused or failed."""
        if span is None:
            return
        if isinstance(result, BaseException):
            span.record_exception(result)
            span.set_status(Status(StatusCode.ERROR, f"{type(result).__name__}: {result}"))
        span.end()

    # The consumer's apply.

    def applying(self, group: str, event: CloudEvent, topic: str,
                 headers: Iterable[tuple[str, bytes]] = ()) -> AbstractContextManager[Any]:
        """The consumer span of one event's apply (by this consumer group), current while its handler runs."""
        if not self.enabled:
            return _NOTHING
        return self._applying(group, event, topic, headers)

    @contextmanager
    def _applying(self, group: str, event: CloudEvent, topic: str,
                  headers: Iterable[tuple[str, bytes]]) -> Iterator[trace.Span]:
        hop = W3C.extract({k: v.decode("latin-1") for k, v in headers or () if k in ("traceparent", "tracestate")},
                          Context())
        created = W3C.extract(event_context(event), Context())
        hop_span, created_span = trace.get_current_span(hop).get_span_context(), \
            trace.get_current_span(created).get_span_context()
        # The send's span is the parent when the message has one; the event's creation is linked (CloudEvents'
        # distributed-tracing extension records where the event was made, the headers the hop it travelled).
        parent = hop if hop_span.is_valid else created
        links = [Link(created_span)] if hop_span.is_valid and created_span.is_valid else []
        with self.tracer.start_as_current_span(
            f"process {event.type}", context=parent, kind=SpanKind.CONSUMER, links=links,
            attributes={"messaging.system": "kafka", "messaging.operation.type": "process",
                        "messaging.destination.name": topic, "messaging.consumer.group.name": group,
                        "messaging.message.id": str(event.id), "cloudevents.event_id": str(event.id),
                        "cloudevents.event_type": event.type, "cloudevents.event_source": event.source,
                        "cloudevents.event_subject": event.subject},
        ) as span:
            yield span


_NOTHING: AbstractContextManager[Any] = nullcontext()
TRACING_OFF = ServiceTracing("off")  # the default of relays and consumers built without one


def _json_string(raw: bytes) -> str:
    """A JSON string literal's content (escapes are rare in a tracestate, but legal)."""
    return str(json.loads(b'"' + raw + b'"')) if b"\\" in raw else raw.decode()


def event_context(event: CloudEvent) -> dict[str, str]:
    """The W3C context an envelope's extension attributes carry (where the event was created)."""
    carrier = {"traceparent": event.traceparent, "tracestate": event.tracestate}
    return {name: value for name, value in carrier.items() if value}


def current_context() -> dict[str, str]:
    """The current span's W3C context, for the envelope of an event recorded under it (empty when there is none)."""
    if not _ON_ANYWHERE[0]:
        return {}  # tracing off in every app of the process: skip the context lookup (every event pays this call)
    span = trace.get_current_span()
    if not span.get_span_context().is_valid:
        return {}
    carrier: dict[str, str] = {}
    W3C.inject(carrier)
    return carrier


class TracingMiddleware:
    """The server span of each request (pure ASGI), child of the caller's `traceparent` header when it sends one."""

    def __init__(self, app: ASGIApp, *, tracing: ServiceTracing) -> None:
        self.app = app
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tracing = self.tracing
        if scope["type"] != "http" or not tracing.enabled or scope["path"].endswith(UNTRACED_PATHS):
            await self.app(scope, receive, send)
            return
        carrier = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers") or ()
                   if name in (b"traceparent", b"tracestate")}
        method = scope["method"]
        status = 500  # unless a response starts: an exception escaping the app becomes a 500

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with tracing.tracer.start_as_current_span(
            method, context=W3C.extract(carrier, Context()), kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope["path"], "url.scheme": scope["scheme"]},
        ) as span:
            try:
                await self.app(scope, receive, _send)
            finally:
                route = route_template(scope)
                span.update_name(f"{method} {route}")  # the template, never the raw path: bounded span names
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
