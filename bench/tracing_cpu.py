"""Tracing's CPU per event, measured in one process: a figure that other work on the machine does not blur.

One iteration is what an event costs the tracing hooks across its hops, with the real code of each: a request through
`TracingMiddleware` that records the event (`build_envelope`, the JSON text the outbox stores), the relay's
`start_send`/`end_send` on that text, and the consumer's `applying` around a handler that records the next event.
Off is the default (no provider: each hook returns at once); on exports every span with the OTLP/HTTP exporter
through a BatchSpanProcessor to a collector stub in another process, and the flush at the end is counted. CPU time
(`time.process_time`, every thread of this process: the exporter's too) per iteration, off and on alternately.

Usage: .venv/bin/python bench/tracing_cpu.py [--iterations 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import MutableMapping, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from tandem_shared.contracts.change import ChangeCanceled
from tandem_shared.events import CloudEvent, build_envelope
from tandem_shared.tracing import ServiceTracing, TracingMiddleware

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded import machine


class Stub(BaseHTTPRequestHandler):
    """Answers every OTLP export with 200, reading the body and nothing more."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Drop(SpanExporter):
    """Takes every batch and does nothing with it: the cost of making spans, without encoding or sending them."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def data() -> ChangeCanceled:
    return ChangeCanceled(id=uuid.uuid4(), type="normal", canceled_by="bench", reason="benchmark", from_state="new",
                          was_approved=False)


async def hops(tracing: ServiceTracing, iterations: int) -> None:
    """Request → envelope → send → apply → next envelope, `iterations` times."""
    payloads: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        payloads.append(build_envelope(data()).model_dump_json())
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        pass

    middleware = TracingMiddleware(app, tracing=tracing)
    scope = {"type": "http", "method": "POST", "path": "/change/v1/changes", "scheme": "http", "headers": []}
    for _ in range(iterations):
        await middleware(dict(scope), receive, send)
        payload = payloads.pop()
        span, headers = tracing.start_send("tandem.change", "key", payload)
        tracing.end_send(span, None)
        event = CloudEvent.from_bytes(payload.encode())
        with tracing.applying("capacity", event, "tandem.change", headers):
            build_envelope(data())


def measure(mode: str, iterations: int, endpoint: str) -> float:
    """CPU microseconds per iteration, the export of its spans included."""
    tracing = ServiceTracing("change")
    if mode == "on":
        tracing.use(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
    elif mode == "spans":
        tracing.use(BatchSpanProcessor(Drop()))
    started = time.process_time()
    asyncio.run(hops(tracing, iterations))
    if tracing.provider is not None:
        tracing.provider.force_flush()
        tracing.provider.shutdown()
    return (time.process_time() - started) / iterations * 1e6


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--stub":
        HTTPServer(("127.0.0.1", int(sys.argv[2])), Stub).serve_forever()
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from tandem_shared.broker import free_port

    port = free_port()
    stub = subprocess.Popen([sys.executable, __file__, "--stub", str(port)])
    try:
        deadline = time.monotonic() + 30
        while True:  # until the stub listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the collector stub did not listen on port {port} within 30 s") from None
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        measure("on", 200, endpoint)  # warm-up: imports, first connection
        modes = ("off", "spans", "on")
        results: dict[str, list[float]] = {mode: [] for mode in modes}
        print(f"machine: {machine()}")
        print(f"date: {datetime.now(UTC).isoformat(timespec='minutes')}  iterations: {args.iterations}")
        for round_ in range(args.rounds):
            for mode in modes if round_ % 2 == 0 else modes[::-1]:
                load = os.getloadavg()[0]
                results[mode].append(measure(mode, args.iterations, endpoint))
                print(f"round {round_ + 1} {mode:5}: {results[mode][-1]:.0f} µs CPU per event  load {load:.1f}",
                      flush=True)
        # off: no provider; spans: spans made and batched, then dropped; on: exported over OTLP/HTTP.
        for mode in modes:
            print(f"{mode:5} median {statistics.median(results[mode]):.0f} µs (min {min(results[mode]):.0f}, "
                  f"max {max(results[mode]):.0f})")
        off = statistics.median(results["off"])
        print(f"tracing adds {statistics.median(results['on']) - off:.0f} µs CPU per event (3 spans: request, send, "
              f"apply), of which making the spans {statistics.median(results['spans']) - off:.0f} µs")
    finally:
        stub.terminate()
        stub.wait()


if __name__ == "__main__":
    main()
