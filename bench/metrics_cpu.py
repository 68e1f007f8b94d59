"""The Prometheus middleware's CPU per request, in one process: a figure other work on the machine does not blur.

A request through `HttpMetricsMiddleware` (route template, counter and histogram with their labels) around an ASGI
app that answers at once, against the same app without it; CPU time (`time.process_time`) per request, the two
alternated over several rounds. The end-to-end cost is in `tracing_overhead.py` (configurations "none" and
"metrics").

Usage: .venv/bin/python bench/metrics_cpu.py [--requests 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from starlette.routing import Route
from tandem_shared.prometheus import HttpMetricsMiddleware

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded import machine

ROUTE = Route("/changes/{change_id}/approve", endpoint=lambda request: None, methods=["POST"])


async def answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def requests(app: Any, count: int) -> float:
    """CPU seconds per request for `count` requests through `app`."""
    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        pass

    started = time.process_time()
    for i in range(count):
        scope = {"type": "http", "method": "POST", "route": ROUTE,
                 "path": f"/change/v1/changes/{i % 500:08d}/approve"}
        await app(scope, receive, send)
    return (time.process_time() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with_metrics = HttpMetricsMiddleware(answer, service="change", registry=CollectorRegistry())
    results: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(args.rounds):
        results["without"].append(asyncio.run(requests(answer, args.requests)))
        results["with"].append(asyncio.run(requests(with_metrics, args.requests)))
    print(f"machine: {machine()}  requests per round: {args.requests}  rounds: {args.rounds}")
    for name, values in results.items():
        print(f"{name:8} metrics: µs CPU per request median {statistics.median(values) * 1e6:.1f} "
              f"(min {min(values) * 1e6:.1f}, max {max(values) * 1e6:.1f})")
    cost = (statistics.median(results["with"]) - statistics.median(results["without"])) * 1e6
    print(f"the middleware's cost: {cost:.1f} µs CPU per request")


if __name__ == "__main__":
    main()
