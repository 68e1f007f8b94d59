"""What observability costs: propagation and change creation with metrics and tracing off, metrics on, and both on.

Three configurations, alternated in one run: "none" (TANDEM_METRICS_ENABLED=false and no OTEL_* variable: no
Prometheus middleware, no provider, no span), "metrics" (the default: Prometheus metrics on, tracing off) and
"traces" (metrics on, and every service exporting spans with the OTLP/HTTP exporter, batched, to a local collector:
here a sink in this process that decodes each request, counts its spans and drops them; no external network). Each
configuration runs `--rounds` times, the order rotating every round, so load from other work on the machine falls on
all three.

Usage: .venv/bin/python bench/tracing_overhead.py [--rounds 3] [--seconds 15] [--clients 8] [--approvals 300]
       [--postgres postgresql://postgres@127.0.0.1:5432] [--single-process]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded import machine

HERE = Path(__file__).resolve().parent


class Sink(BaseHTTPRequestHandler):
    """An OTLP/HTTP collector that counts the spans it is sent and keeps nothing."""

    spans = 0
    undecodable = 0  # requests whose body did not parse (counted, answered 400, never fatal to the benchmark)
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path != "/v1/traces":  # another signal (metrics, logs): not ours to count
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        try:
            request = ExportTraceServiceRequest.FromString(body)
        except Exception:  # noqa: BLE001 - protobuf's DecodeError (no stubs): a body that did not parse
            with Sink.lock:
                Sink.undecodable += 1
            self.send_response(400)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        count = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
        with Sink.lock:
            Sink.spans += count
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


MODES = ("none", "metrics", "traces")


def environment(mode: str, endpoint: str) -> dict[str, str]:
    """This environment without OTEL_* variables, then metrics off ("none") or the exporter's ("traces")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_") and k != "TANDEM_METRICS_ENABLED"}
    if mode == "none":
        env["TANDEM_METRICS_ENABLED"] = "false"
    if mode == "traces":
        # The traces endpoint, not OTEL_EXPORTER_OTLP_ENDPOINT: the bundled Tansu broker reads that one too and would
        # export its own OTLP metrics to it, work that is not Tandem's tracing.
        env.update(OTEL_TRACES_EXPORTER="otlp", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{endpoint}/v1/traces")
    return env


def run(script: str, options: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, str(HERE / script), *options], env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise RuntimeError(f"{script} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return done.stdout


def number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    if not found:
        raise RuntimeError(f"no {pattern!r} in:\n{text}")
    return float(found.group(1))


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15, help="of creation per run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--approvals", type=int, default=300, help="propagated per run")
    parser.add_argument("--single-process", action="store_true")
    parser.add_argument("--postgres", metavar="URL", default=None)
    args = parser.parse_args()
    common = [*(["--single-process"] if args.single_process else []),
              *(["--postgres", args.postgres] if args.postgres else [])]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    results: dict[str, dict[str, list[float]]] = {mode: {} for mode in MODES}
    print(f"machine: {machine()}  database: {'PostgreSQL' if args.postgres else 'SQLite'}  "
          f"processes: {'one' if args.single_process else 'one per service'}")
    print(f"date: {datetime.now(UTC).isoformat(timespec='minutes')}")
    for round_ in range(args.rounds):
        for mode in MODES[round_ % 3:] + MODES[:round_ % 3]:
            env = environment(mode, endpoint)
            before, load = Sink.spans, os.getloadavg()[0]  # other work on the machine, for the reader
            created = run("create_changes.py", ["--seconds", str(args.seconds), "--clients", str(args.clients),
                                                *common], env)
            propagated = run("propagation.py", ["--approvals", str(args.approvals), *common], env)
            figures = {
                "creation changes/s": number(r"throughput: (\d+) changes/s", created),
                "creation p50 ms": number(r"latency ms p50 ([\d.]+)", created),
                "creation p99 ms": number(r"latency ms p50 [\d.]+ p99 ([\d.]+)", created),
                "propagation p50 ms": number(r"propagation ms: p50 ([\d.]+)", propagated),
                "propagation p90 ms": number(r"p90 ([\d.]+)", propagated),
                "propagation mean ms": number(r"mean ([\d.]+)", propagated),
            }
            for name, value in figures.items():
                results[mode].setdefault(name, []).append(value)
            spans = Sink.spans - before
            print(f"round {round_ + 1} {mode:7}: " + "  ".join(f"{k} {v:.1f}" for k, v in figures.items())
                  + f"  spans exported {spans} (undecodable requests so far {Sink.undecodable})"
                  f"  load {load:.1f}", flush=True)
            if mode != "traces" and spans:
                raise RuntimeError(f"spans arrived with tracing off ({mode})")
    server.shutdown()
    print()
    for name in results["none"]:
        base = statistics.median(results["none"][name])
        print(f"{name:22} " + "  ".join(
            f"{mode} {spread(results[mode][name])} ({(statistics.median(results[mode][name]) / base - 1) * 100:+.1f} %)"
            for mode in MODES))


if __name__ == "__main__":
    main()
