"""Throughput of POST /change/v1/changes on the embedded default, with concurrent clients.

Usage: .venv/bin/python bench/create_changes.py [--seconds 15] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded import embedded_platform, headers, machine

REQ = headers("bench-requester", "requester")
BODY = {"title": "Throughput change", "type": "normal", "planned_start": "2030-01-07T08:00:00+00:00",
        "planned_end": "2030-01-07T10:00:00+00:00"}


async def client_loop(url: str, stop_at: float, latencies: list[float], errors: list[int]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            r = await client.post("/change/v1/changes", headers=REQ, json=BODY)
            if r.status_code == 201:
                latencies.append((time.perf_counter() - t0) * 1000)
            else:
                errors.append(r.status_code)


async def run(url: str, seconds: float, clients: int, database: str) -> None:
    latencies: list[float] = []
    errors: list[int] = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:  # every change names one CI by id
        ci = await client.post("/change/v1/cis", headers=headers("bench-cmdb", "change_manager"),
                               json={"name": "bench-ci", "ci_class": "server"})
        BODY["affected_cis"] = [ci.json()["id"]]
    started = time.perf_counter()
    await asyncio.gather(*(client_loop(url, started + seconds, latencies, errors) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    print(f"machine: {machine()}  database: {database}")
    print(f"date: {datetime.now(UTC).date().isoformat()}")
    print(f"clients: {clients}  seconds: {elapsed:.1f}  created: {len(latencies)}  errors: {len(errors)}")
    print(f"throughput: {len(latencies) / elapsed:.0f} changes/s  latency ms p50 {p(0.5):.1f} p99 {p(0.99):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--single-process", action="store_true",
                        help="`tandem up --single-process`: every service in one process (default: one process each)")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="run on fresh PostgreSQL databases on this server, e.g. postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with embedded_platform(args.postgres, *(["--single-process"] if args.single_process else [])) as url:
        database = "PostgreSQL" if args.postgres else "SQLite"
        processes = "one process" if args.single_process else "one process per service"
        asyncio.run(run(url, args.seconds, args.clients, f"{database}, {processes}"))


if __name__ == "__main__":
    main()
