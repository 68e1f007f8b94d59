"""Tracing's configuration by OTEL_* variables, and the context the relay finds in an outbox row's text."""

from __future__ import annotations

import json
import uuid

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from tandem_shared.contracts.change import ChangeCanceled
from tandem_shared.events import build_envelope
from tandem_shared.tracing import KAFKA_HEADERS, TRACING_OFF, ServiceTracing, exporters_from_env


def canceled() -> ChangeCanceled:
    return ChangeCanceled(id=uuid.uuid4(), type="normal", canceled_by="alice", reason="duplicate", from_state="new",
                          was_approved=False)


@pytest.mark.parametrize("env", [
    {},  # off by default: the SDK's own default would be otlp to localhost
    {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
    {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"},
])
def test_off_unless_asked(env: dict[str, str]) -> None:
    assert exporters_from_env(env) == []


def test_an_endpoint_or_exporter_names_turn_it_on() -> None:
    [otlp] = exporters_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert isinstance(otlp, OTLPSpanExporter)
    both = exporters_from_env({"OTEL_TRACES_EXPORTER": "otlp,console"})
    assert [type(e) for e in both] == [OTLPSpanExporter, ConsoleSpanExporter]


@pytest.mark.parametrize("env", [{"OTEL_TRACES_EXPORTER": "zipkin"},
                                 {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}])
def test_what_is_not_shipped_is_refused_by_name(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="OTEL_"):
        exporters_from_env(env)


def test_off_starts_no_span_and_sends_plain_headers() -> None:
    assert TRACING_OFF.start_send("tandem.change", "k", '{"traceparent":"00-' + "1" * 32 + "-" + "2" * 16 + '-01"}') \
        == (None, KAFKA_HEADERS)
    envelope = build_envelope(canceled())
    assert envelope.traceparent is None and envelope.tracestate is None


@pytest.mark.parametrize("separator", [":", ": "])
def test_the_send_continues_the_rows_context_as_stored_on_either_database(separator: str) -> None:
    exporter = InMemorySpanExporter()
    tracing = ServiceTracing("change", [SimpleSpanProcessor(exporter)])
    with tracing.tracer.start_as_current_span("request") as request:
        envelope = build_envelope(canceled())
    # The stored text, as SQLite keeps it or as a database that prints `": "`; with a tracestate to unescape.
    fields = envelope.model_dump(mode="json") | {"tracestate": 'vendor=a"b'}
    payload = json.dumps(fields, separators=(",", separator))
    span, headers = tracing.start_send("tandem.change", envelope.subject, payload)
    tracing.end_send(span, None)
    [sent] = [s for s in exporter.get_finished_spans() if s.name == "send tandem.change"]
    assert sent.context.trace_id == request.get_span_context().trace_id
    assert sent.parent is not None and sent.parent.span_id == request.get_span_context().span_id
    sent_headers = dict(headers)
    assert sent_headers["traceparent"].decode().split("-")[2] == f"{sent.context.span_id:016x}"
    assert sent_headers["tracestate"] == b'vendor=a"b'
