"""Portfolio lists over 2,000 projects: the ranking of a scoring model and the cash-flow projection, over HTTP.

Builds a portfolio database by migrations and fills it in bulk: 2,000 projects across the lifecycle's stages and three
categories, each with a business case of 36 months (capex in the first 12, opex every month, benefits from month 7:
78 lines, EUR or USD), scoring inputs, and links to 5 strategic objectives. Then creates a weighted scoring model
through the API (which scores every project at once, timed once), and times through the app with httpx's ASGI
transport: the first page of the ranking (limit 50), a filtered one (stage and category), a later page (by cursor),
and the cash-flow projection by month and by quarter over the default stages.

Usage: .venv/bin/python bench/portfolio_lists.py [--projects 2000] [--months 36] [--runs 50]
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
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import sqlalchemy as sa
from tandem_portfolio.business_cases.models import BusinessCase, BusinessCaseLine, business_case_years
from tandem_portfolio.main import create_app
from tandem_portfolio.objectives.models import StrategicObjective
from tandem_portfolio.projects.models import Project, ProjectObjective
from tandem_portfolio.scoring.models import ScoringInputs
from tandem_shared.auth import mint_dev_token
from tandem_shared.migrations import upgrade
from tandem_shared.settings import PlatformSettings, service_settings

START = 2027 * 12  # 2027-01 as a month number
STAGES = [("idea", 10), ("proposed", 10), ("approved", 20), ("planning", 20), ("executing", 25),
          ("transition", 10), ("closed", 5)]
CATEGORIES = ["run", "grow", "transform"]


def rows(projects: int, months: int, seed: int = 11) -> dict[str, list[dict]]:
    """Projects with business cases, lines, scoring inputs and objective links."""
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    data: dict[str, list[dict]] = {k: [] for k in ("objectives", "projects", "links", "cases", "lines", "years",
                                                   "inputs")}
    objectives = [uuid.uuid4() for _ in range(5)]
    for n, oid in enumerate(objectives):
        data["objectives"].append({"id": oid, "name": f"Objective {n}", "weight": float(n + 1), "active": True,
                                   "period_start": date(2027, 1, 1), "period_end": date(2029, 12, 31),
                                   "created_by": "bench", "version": 1, "created_at": now, "updated_at": now})
    stages = [stage for stage, share in STAGES for _ in range(share)]
    for n in range(projects):
        pid = uuid.uuid4()
        start = START + rnd.randrange(12)
        data["projects"].append({"id": pid, "name": f"Project {n:05d}", "category": rnd.choice(CATEGORIES),
                                 "stage": rnd.choice(stages), "portfolio": "default", "created_by": "bench",
                                 "version": 1, "created_at": now, "updated_at": now})
        for position, oid in enumerate(rnd.sample(objectives, rnd.randint(0, 3))):
            data["links"].append({"project_id": pid, "objective_id": oid, "contribution": rnd.randint(0, 5),
                                  "position": position})
        data["cases"].append({"project_id": pid, "currency": "EUR" if rnd.random() < 0.8 else "USD",
                              "discount_rate": 0.08, "horizon_start": start, "updated_by": "bench", "version": 1,
                              "created_at": now, "updated_at": now})
        position, years = 0, {}  # years: the per-year sums the API writes with the lines
        for t in range(months):
            kinds = ["opex"] + (["capex"] if t < 12 else []) + (["benefit"] if t >= 6 else [])
            year, index = divmod(start + t, 12)
            row = years.setdefault(year, {"project_id": pid, "year": year, **{
                f"{kind}_{m:02d}": 0 for kind in ("capex", "opex", "benefit") for m in range(1, 13)}})
            for kind in kinds:
                cents = rnd.randrange(100_00, 50_000_00)
                row[f"{kind}_{index + 1:02d}"] = cents
                data["lines"].append({"id": uuid.uuid4(), "project_id": pid, "position": position,
                                      "month": start + t, "kind": kind, "amount": Decimal(cents).scaleb(-2),
                                      "description": None})
                position += 1
        data["years"] += years.values()
        data["inputs"].append({"project_id": pid, "value": rnd.randint(0, 10), "risk": rnd.randint(0, 10),
                               "urgency": rnd.randint(0, 10), "updated_by": "bench", "version": 1,
                               "updated_at": now})
    return data


async def fill(app, data: dict[str, list[dict]]) -> None:
    async with app.state.runtime.engine.begin() as conn:
        for table, key in ((StrategicObjective.__table__, "objectives"), (Project.__table__, "projects"),
                           (ProjectObjective.__table__, "links"), (BusinessCase.__table__, "cases"),
                           (BusinessCaseLine.__table__, "lines"), (business_case_years, "years"),
                           (ScoringInputs.__table__, "inputs")):
            chunk = data[key]
            for start in range(0, len(chunk), 2000):
                await conn.execute(sa.insert(table), chunk[start:start + 2000])
    if app.state.runtime.engine.dialect.name == "postgresql":
        async with app.state.runtime.engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(sa.text("VACUUM ANALYZE"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="tandem-portfolio-lists-"))
    pg_name = None
    if args.postgres:
        pg_name = f"tandem_bench_portfolio_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(args.postgres)
        await conn.execute(f'CREATE DATABASE "{pg_name}"')
        await conn.close()
        url = args.postgres.replace("postgresql://", "postgresql+asyncpg://").rstrip("/") + f"/{pg_name}"
    else:
        url = f"sqlite+aiosqlite:///{workdir / 'portfolio.sqlite3'}"
    try:
        await asyncio.to_thread(upgrade, "portfolio", url)
        platform = PlatformSettings(environment="test", kafka_bootstrap_servers=None)
        settings = service_settings("portfolio").model_copy(update={"database_url": url})
        app = create_app(settings=settings, platform=platform, workers=False)
        data = rows(args.projects, args.months)
        async with app.router.lifespan_context(app):
            await fill(app, data)
            headers = {"Authorization": f"Bearer {mint_dev_token(platform, 'bench', ['pmo'])}"}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bench") as client:
                began = time.perf_counter()
                created = await client.post("/portfolio/v1/scoring-models", headers=headers, json={
                    "name": "Bench weighted", "kind": "weighted",
                    "weights": {"strategic_alignment": 3, "value": 3, "risk": 2, "urgency": 2}})
                scoring_ms = (time.perf_counter() - began) * 1000
                assert created.status_code == 201, created.text
                ranking = f"/portfolio/v1/scoring-models/{created.json()['id']}/ranking"
                first = (await client.get(f"{ranking}?limit=50", headers=headers)).json()
                assert len(first["items"]) == 50 and first["items"][0]["rank"] == 1
                queries = {
                    "ranking, first page (limit 50)": f"{ranking}?limit=50",
                    "ranking, stage=executing&category=grow": f"{ranking}?limit=50&stage=executing&category=grow",
                    "ranking, a later page (cursor)": f"{ranking}?limit=50&cursor={first['next_cursor']}",
                    "cash flow by month": "/portfolio/v1/cash-flow?granularity=month",
                    "cash flow by quarter": "/portfolio/v1/cash-flow?granularity=quarter",
                }
                timings: dict[str, list[float]] = {name: [] for name in queries}
                sizes: dict[str, int] = {}
                for i in range(args.runs + 1):
                    for name, query in queries.items():
                        began = time.perf_counter()
                        response = await client.get(query, headers=headers)
                        elapsed = (time.perf_counter() - began) * 1000
                        assert response.status_code == 200, response.text[:300]
                        sizes[name] = len(response.content)
                        if i:  # the first run warms caches and the statement cache
                            timings[name].append(elapsed)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"machine: {host.machine()} · {host.python_version()} · {backend}")
        print(f"projects {args.projects}, months {args.months}, business-case lines {len(data['lines'])}, "
              f"objective links {len(data['links'])}; creating the model scored them all in {scoring_ms:.0f} ms")
        for name, values in timings.items():
            print(f"{name:>40}: p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
                  f"max {max(values):.1f} ms over {len(values)} runs ({sizes[name] / 1000:.0f} kB)")
    finally:
        if pg_name:
            conn = await asyncpg.connect(args.postgres)
            await conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="a PostgreSQL server for a fresh database, e.g. postgresql://postgres@127.0.0.1:5432")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
