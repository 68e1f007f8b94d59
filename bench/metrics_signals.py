"""Metrics signals and KPI reads over HTTP: incident ingest through the batch API, and KPI reads with dimensions
and 104-week series.

Builds a metrics database by migrations and fills it in bulk: 5,000 implemented changes over two years (the linking
rule's candidates, each on 3 of 2,000 CIs and 1 of 50 services, 40 teams) and two years of weekly and monthly change
values per team. Then, through the app with httpx's ASGI transport: posts incidents in batches of 1,000 (each on a CI
and a service, a third of them within 3 days after a change on their CI, so the rule links them), outages in batches
of 1,000, and times the reads: the catalogue for a team, and 104-week series of a team's change success rate, a
service's uptime and the organisation's implementation-caused disruption.

Usage: .venv/bin/python bench/metrics_signals.py [--batches 10] [--runs 50]
       [--postgres postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import asyncio
import platform as host
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import sqlalchemy as sa
from tandem_metrics.changes.models import ChangeFacts
from tandem_metrics.kpis.models import KpiValue
from tandem_metrics.main import create_app
from tandem_metrics.periods import ALL, between, month_of_week
from tandem_shared.auth import mint_dev_token
from tandem_shared.migrations import upgrade
from tandem_shared.settings import PlatformSettings, service_settings

START = datetime(2025, 1, 6, tzinfo=UTC)  # Monday of 2025-W02
DAYS = 728
SERVICES = [f"svc-{n:02d}" for n in range(50)]
CIS = [f"ci-{n:04d}" for n in range(2000)]
TEAMS = [f"Team {n:02d}" for n in range(40)]


def changes(count: int, rnd: random.Random) -> list[dict]:
    return [{"change_id": uuid.uuid4(), "title": f"Change {n}", "team": rnd.choice(TEAMS), "project_id": None,
             "affected_cis": rnd.sample(CIS, 3), "services": [rnd.choice(SERVICES)], "outcome": "successful",
             "implemented_at": START + timedelta(minutes=rnd.randrange(DAYS * 1440))} for n in range(count)]


def team_values(rnd: random.Random) -> list[dict]:
    """Weekly and monthly change counts per team over the two years (what the consumer would have stored)."""
    now = datetime.now(UTC)
    weeks = between("2025-W02", "2026-W53")
    found: dict[tuple[str, str, str], float] = {}
    for team in TEAMS:
        for week in weeks:
            done = rnd.randint(0, 6)
            ok = rnd.randint(0, done)
            for kpi, value in (("changes_implemented", done), ("changes_implemented_successfully", ok)):
                for period in (week, month_of_week(week), ALL):
                    key = (kpi, period, f"team:{team}")
                    found[key] = found.get(key, 0.0) + value
    return [{"kpi": k, "period": p, "dimension": d, "value": v, "updated_at": now} for (k, p, d), v in found.items()]


def incidents(batch: int, size: int, candidates: list[dict], rnd: random.Random) -> list[dict]:
    rows = []
    for n in range(size):
        if n % 3 == 0:  # after a change on its CI: the rule links it
            change = rnd.choice(candidates)
            opened = change["implemented_at"] + timedelta(minutes=rnd.randrange(1, 3 * 1440))
            ci, service = change["affected_cis"][0], change["services"][0]
        else:
            opened = START + timedelta(minutes=rnd.randrange(DAYS * 1440))
            ci, service = rnd.choice(CIS), rnd.choice(SERVICES)
        resolved = opened + timedelta(minutes=rnd.randrange(10, 3000))
        rows.append({"external_id": f"INC{batch:03d}{n:05d}", "service_id": service, "ci_id": ci,
                     "priority": rnd.choice(["P1", "P2", "P3", "P3", "P4", "P4"]), "opened_at": opened.isoformat(),
                     "resolved_at": resolved.isoformat()})
    return rows


def outages(batch: int, size: int, rnd: random.Random) -> list[dict]:
    rows = []
    for n in range(size):
        start = START + timedelta(minutes=rnd.randrange(DAYS * 1440))
        rows.append({"external_id": f"OUT{batch:03d}{n:05d}", "service_id": rnd.choice(SERVICES),
                     "start": start.isoformat(), "end": (start + timedelta(minutes=rnd.randrange(5, 240))).isoformat(),
                     "planned": rnd.random() < 0.2})
    return rows


async def fill(app, rows: list[dict], values: list[dict]) -> None:  # noqa: ANN001 - the app
    async with app.state.runtime.engine.begin() as conn:
        for table, chunk in ((ChangeFacts.__table__, rows), (KpiValue.__table__, values)):
            for start in range(0, len(chunk), 2000):
                await conn.execute(sa.insert(table), chunk[start:start + 2000])


async def analyze(app) -> None:  # noqa: ANN001 - the app
    if app.state.runtime.engine.dialect.name == "postgresql":
        async with app.state.runtime.engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(sa.text("VACUUM ANALYZE"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return (f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
            f"max {max(values):.1f} ms")


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="tandem-metrics-signals-"))
    pg_name = None
    if args.postgres:
        pg_name = f"tandem_bench_metrics_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(args.postgres)
        await conn.execute(f'CREATE DATABASE "{pg_name}"')
        await conn.close()
        url = args.postgres.replace("postgresql://", "postgresql+asyncpg://").rstrip("/") + f"/{pg_name}"
    else:
        url = f"sqlite+aiosqlite:///{workdir / 'metrics.sqlite3'}"
    rnd = random.Random(5)
    try:
        await asyncio.to_thread(upgrade, "metrics", url)
        platform = PlatformSettings(environment="test", kafka_bootstrap_servers=None)
        settings = service_settings("metrics").model_copy(update={"database_url": url})
        app = create_app(settings=settings, platform=platform, workers=False)
        candidates = changes(5000, rnd)
        async with app.router.lifespan_context(app):
            await fill(app, candidates, team_values(rnd))
            await analyze(app)
            feeder = {"Authorization": f"Bearer {mint_dev_token(platform, 'monitor', ['service_owner'])}"}
            viewer = {"Authorization": f"Bearer {mint_dev_token(platform, 'vera', ['viewer'])}"}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bench",
                                         timeout=600) as client:
                ingest, linked, first = [], 0, None
                for batch in range(args.batches):
                    body = {"source_system": "servicenow", "items": incidents(batch, 1000, candidates, rnd)}
                    first = first or body
                    began = time.perf_counter()
                    response = await client.post("/metrics/v1/signals/incidents", headers=feeder, json=body)
                    ingest.append(time.perf_counter() - began)
                    assert response.status_code == 200 and response.json()["created"] == 1000, response.text[:300]
                began = time.perf_counter()
                response = await client.post("/metrics/v1/signals/incidents", headers=feeder, json=first)
                replay_s = time.perf_counter() - began
                assert response.json()["unchanged"] == 1000, response.text[:300]
                outage_times = []
                for batch in range(max(1, args.batches // 2)):
                    body = {"source_system": "prometheus", "items": outages(batch, 1000, rnd)}
                    began = time.perf_counter()
                    response = await client.post("/metrics/v1/signals/outages", headers=feeder, json=body)
                    outage_times.append(time.perf_counter() - began)
                    assert response.status_code == 200 and response.json()["created"] == 1000, response.text[:300]
                async with app.state.runtime.engine.connect() as conn:
                    linked = (await conn.execute(sa.text("SELECT count(*) FROM metrics_incident_links"))).scalar()
                await analyze(app)
                window = {"from": "2025-W02", "to": "2026-W52"}  # 104 weeks
                queries = {
                    "catalogue for team:Team 07": ("/metrics/v1/kpis", {"dimension": "team:Team 07"}),
                    "change_success_rate team, 104 weeks": ("/metrics/v1/kpis/change_success_rate", {
                        "dimension": "team:Team 07", "granularity": "week", **window}),
                    "service_uptime service, 104 weeks": ("/metrics/v1/kpis/service_uptime", {
                        "dimension": "service:svc-07", "granularity": "week", **window}),
                    "service_uptime organisation, 104 weeks": ("/metrics/v1/kpis/service_uptime", {
                        "granularity": "week", **window}),
                    "implementation_disruption org, 104 weeks": ("/metrics/v1/kpis/implementation_disruption", {
                        "granularity": "week", **window}),
                    "mean_time_to_resolve service, 24 months": ("/metrics/v1/kpis/mean_time_to_resolve_hours", {
                        "dimension": "service:svc-07", "granularity": "month", "from": "2025-01", "to": "2026-12"}),
                }
                timings: dict[str, list[float]] = {name: [] for name in queries}
                for i in range(args.runs + 1):
                    for name, (path, params) in queries.items():
                        began = time.perf_counter()
                        response = await client.get(path, params=params, headers=viewer)
                        elapsed = (time.perf_counter() - began) * 1000
                        assert response.status_code == 200, response.text[:300]
                        if i:  # the first run warms caches
                            timings[name].append(elapsed)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"machine: {host.machine()} · {host.python_version()} · {backend}")
        total = sum(ingest)
        print(f"incidents: {args.batches} batches of 1,000 in {total:.1f} s = {args.batches * 1000 / total:.0f} "
              f"incidents/s (per batch p50 {statistics.median(ingest) * 1000:.0f} ms, max "
              f"{max(ingest) * 1000:.0f} ms); {linked} linked by the rule; a replayed batch of 1,000 (no-op) in "
              f"{replay_s * 1000:.0f} ms")
        print(f"outages: {len(outage_times)} batches of 1,000, per batch p50 "
              f"{statistics.median(outage_times) * 1000:.0f} ms = {1000 / statistics.median(outage_times):.0f} "
              "outages/s")
        for name, values in timings.items():
            print(f"{name:>42}: {summary(values)} over {len(values)} runs")
    finally:
        if pg_name:
            conn = await asyncpg.connect(args.postgres)
            await conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="a PostgreSQL server for a fresh database, e.g. postgresql://postgres@127.0.0.1:5432")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
