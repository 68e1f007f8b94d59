"""OpenTelemetry: one approval is one trace from change's HTTP request through Kafka to capacity and metrics."""

from __future__ import annotations

import io
import json
import logging

import sqlalchemy as sa
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from tandem_shared.contracts.change import ChangeApproved
from tandem_shared.logs import JsonFormatter
from tandem_shared.tables import outbox

from tests.integration.change.flows import MANAGER, REQUESTER, act, raise_change, set_members
from tests.integration.platform.test_delivery_faults import make_person
from tests.support import create_app, eventually, read_topic, running, topic

APPROVED = ChangeApproved.event_type
BOOKED = "capacity.booking.created.v1"


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


def traceparent_ids(traceparent: str) -> tuple[int, int]:
    """The trace id and parent span id of a W3C traceparent (version-traceid-spanid-flags)."""
    _, trace_id, span_id, _ = traceparent.split("-")
    return int(trace_id, 16), int(span_id, 16)


async def payloads(app, event_type: str) -> list[dict]:  # noqa: ANN001
    """The envelopes of a type in a service's outbox."""
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.payload).where(outbox.c.event_type == event_type))
        return [row if isinstance(row, dict) else json.loads(row) for row in rows.scalars()]


async def known_person(app, person_id) -> None:  # noqa: ANN001
    """Put capacity's person in change's projection now (its own event would bring it a moment later)."""
    from tandem_change.people.repository import PeopleProjection

    async with app.state.runtime.sessionmaker() as session, session.begin():
        await PeopleProjection(session).upsert(person_id, name="Olga Ops", team="Platform")


async def test_an_approval_is_one_trace_across_change_kafka_capacity_and_metrics(databases, backend, broker):
    exporter = InMemorySpanExporter()
    apps = {service: create_app(service, database_url=await databases.fresh(service, backend),
                                bootstrap=broker.bootstrap) for service in ("change", "capacity", "metrics")}
    for app in apps.values():  # a provider per app, as OTEL_TRACES_EXPORTER would give it, exporting in memory
        app.state.tracing.use(SimpleSpanProcessor(exporter))
    async with (running(apps["change"]) as change, running(apps["capacity"]) as capacity,
                running(apps["metrics"])):
        person = await make_person(capacity)
        await known_person(apps["change"], person)
        raised = await raise_change(change, assignee_id=str(person), effort_hours=4)
        await act(change, raised["id"], "submit", REQUESTER)
        await set_members(change, "Change managers", ["bob"])
        await act(change, raised["id"], "assess", MANAGER)
        approved = await act(change, raised["id"], "approve", MANAGER, {"comment": "CAB ok"})
        assert approved["state"] == "scheduled"

        def spans(name: str, service: str) -> list[ReadableSpan]:
            return [s for s in exporter.get_finished_spans() if s.name == name and service_of(s) == service]

        # The in-process client returns once the app has returned, so the request's span has ended.
        [request] = spans("POST /change/v1/changes/{change_id}/approve", "tandem-change")
        trace_id = request.context.trace_id

        def in_trace(name: str, service: str) -> list[ReadableSpan]:
            return [s for s in spans(name, service) if s.context.trace_id == trace_id]

        async def reached_metrics() -> bool:
            return bool(in_trace(f"process {BOOKED}", "tandem-metrics") and in_trace(f"process {APPROVED}",
                                                                                     "tandem-metrics"))

        await eventually(reached_metrics, timeout=30)

        # change: the request's server span; the outbox row carries its context (CloudEvents extension).
        assert request.kind == SpanKind.SERVER and request.parent is None
        assert request.attributes["http.route"] == "/change/v1/changes/{change_id}/approve"
        assert request.attributes["http.response.status_code"] == 200
        [envelope] = await payloads(apps["change"], APPROVED)
        assert traceparent_ids(envelope["traceparent"]) == (trace_id, request.context.span_id)
        # The relay's send: a producer span under the request, whose context the Kafka record's headers carry.
        sends = in_trace(f"send {topic('change')}", "tandem-change")
        assert sends and all(s.kind == SpanKind.PRODUCER and s.parent.span_id == request.context.span_id
                             for s in sends)
        records = [m for m in await read_topic(broker.bootstrap, topic("change"))
                   if json.loads(m.value)["type"] == APPROVED]
        [record] = records
        headers = dict(record.headers)
        assert headers["content-type"] == b"application/cloudevents+json"
        hop_trace, hop_parent = traceparent_ids(headers["traceparent"].decode())
        assert hop_trace == trace_id and hop_parent in {s.context.span_id for s in sends}

        # capacity: the apply continues the trace under the send, linked to where the event was created.
        [applied] = in_trace(f"process {APPROVED}", "tandem-capacity")
        assert applied.kind == SpanKind.CONSUMER and applied.parent.span_id == hop_parent
        assert [link.context.span_id for link in applied.links] == [request.context.span_id]
        assert applied.attributes["cloudevents.event_id"] == envelope["id"]
        assert applied.attributes["messaging.destination.name"] == topic("change")
        assert applied.attributes["messaging.consumer.group.name"] == apps["capacity"].state.runtime.consumer.group_id
        # The booking it made is published under the apply, so metrics' apply of it is in the same trace.
        capacity_sends = in_trace(f"send {topic('capacity')}", "tandem-capacity")
        assert capacity_sends and all(s.parent.span_id == applied.context.span_id for s in capacity_sends)
        [booking] = await payloads(apps["capacity"], BOOKED)
        assert traceparent_ids(booking["traceparent"]) == (trace_id, applied.context.span_id)

        # metrics: both events it counts, the approval from change and the booking from capacity, in the trace.
        [booked] = in_trace(f"process {BOOKED}", "tandem-metrics")
        assert booked.parent.span_id in {s.context.span_id for s in capacity_sends}
        [counted] = in_trace(f"process {APPROVED}", "tandem-metrics")
        assert counted.parent.span_id == hop_parent


async def test_off_by_default_no_provider_no_context_in_events_or_headers(databases, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", "sqlite"), bootstrap=broker.bootstrap)
    assert app.state.tracing.enabled is False and app.state.tracing.provider is None
    async with running(app) as client:
        await make_person(client)
        [envelope] = await payloads(app, "capacity.person.created.v1")
        assert envelope["traceparent"] is None and envelope["tracestate"] is None
        [record] = await eventually(lambda: read_topic(broker.bootstrap, topic("capacity")))
        assert record.headers == (("content-type", b"application/cloudevents+json"),)


async def test_a_callers_traceparent_is_continued_and_json_log_lines_carry_the_span(databases):
    exporter = InMemorySpanExporter()
    app = create_app("capacity", database_url=await databases.fresh("capacity", "sqlite"), bootstrap=None,
                     workers=False)
    app.state.tracing.use(SimpleSpanProcessor(exporter))

    async def noisy() -> dict[str, str]:
        logging.getLogger("tandem.tracing-test").warning("inside the request")
        return {}

    app.add_api_route("/capacity/noisy", noisy, methods=["GET"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("tandem.tracing-test").addHandler(handler)
    caller = "00-" + "ab" * 16 + "-" + "cd" * 8 + "-01"
    try:
        async with running(app) as client:
            assert (await client.get("/capacity/noisy", headers={"traceparent": caller})).status_code == 200
            assert (await client.get("/capacity/healthz")).status_code == 200  # probes are not traced
    finally:
        logging.getLogger("tandem.tracing-test").removeHandler(handler)
    [span] = exporter.get_finished_spans()
    assert span.name == "GET /capacity/noisy" and span.parent.span_id == int("cd" * 8, 16)
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["trace_id"] == "ab" * 16 == f"{span.context.trace_id:032x}"
    assert line["span_id"] == f"{span.context.span_id:016x}"
