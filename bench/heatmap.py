"""Heatmap of 5,000 people × 104 weeks: query + assembly in-process, and the HTTP response through the app.

Builds a capacity database by migrations, fills it with realistic supply and bookings (bulk inserts), then times
`views.service.heatmap_json` (what the route runs: query, assembly and JSON encoding) on a read session and
`GET /capacity/v1/heatmap?limit=5000` through httpx's ASGI transport.

Usage: .venv/bin/python bench/heatmap.py [--people 5000] [--weeks 104] [--runs 15]
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import orjson
import sqlalchemy as sa
from tandem_capacity.availability.models import Holiday, TimeOff, WorkingSchedule
from tandem_capacity.availability.service import available_rows
from tandem_capacity.bookings.models import Booking, BookingWeek
from tandem_capacity.bookings.rules import iso_weeks, spread_hours
from tandem_capacity.bookings.service import rebuild_loads
from tandem_capacity.main import create_app
from tandem_capacity.people.models import Person, PersonSkill
from tandem_capacity.views import service
from tandem_capacity.views.repository import PersonFilter, ViewRepository
from tandem_capacity.views.service import heatmap_json
from tandem_shared.api import PageParams
from tandem_shared.auth import mint_dev_token
from tandem_shared.migrations import upgrade
from tandem_shared.settings import PlatformSettings, service_settings
from tandem_shared.uow import unit_of_work

FIRST = date(2027, 1, 4)
LOCATIONS = ["Berlin", "Paris", "London", "Madrid", "Remote"]
SKILLS = ["Kubernetes", "PostgreSQL", "Python", "Networking", "Java", "Ansible", "Security", "SAP"]


def rows(people: int, weeks: int, seed: int = 7) -> dict[str, list[dict]]:
    """Realistic data: 50 teams, 20 % part time, 10 % with time off, holidays at 4 locations, ~4 bookings each."""
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    data: dict[str, list[dict]] = {k: [] for k in ("people", "skills", "schedules", "time_off", "holidays",
                                                   "bookings", "weeks")}
    for location in LOCATIONS[:4]:
        for offset in (0, 95, 130, 238, 360, 455, 490, 598, 720):
            day = FIRST + timedelta(days=offset + rnd.randrange(5))
            if day.weekday() < 5:
                data["holidays"].append({"id": uuid.uuid4(), "location": location, "date": day, "name": "Holiday"})
    end = FIRST + timedelta(weeks=weeks)
    for n in range(people):
        pid = uuid.uuid4()
        data["people"].append({"id": pid, "name": f"Person {n:05d}", "email": None, "team": f"Team {n % 50:02d}",
                               "weekly_hours": 40.0, "location": rnd.choice(LOCATIONS), "version": 1,
                               "created_by": "bench", "created_at": now})
        for skill in rnd.sample(SKILLS, 2):
            data["skills"].append({"person_id": pid, "name": skill, "proficiency": rnd.randint(1, 5)})
        if rnd.random() < 0.2:
            data["schedules"].append({"person_id": pid, "effective_from": FIRST + timedelta(days=rnd.randrange(300)),
                                      "mon": 8, "tue": 8, "wed": 4, "thu": 0, "fri": 0, "sat": 0, "sun": 0})
        if rnd.random() < 0.1:
            start = FIRST + timedelta(days=rnd.randrange(weeks * 7 - 14))
            data["time_off"].append({"id": uuid.uuid4(), "person_id": pid, "start_date": start,
                                     "end_date": start + timedelta(days=rnd.randrange(1, 12)), "hours_per_day": None,
                                     "kind": "vacation", "approved": True, "created_by": "bench", "created_at": now})
        for b in range(rnd.randint(2, 6)):
            start = datetime.combine(FIRST, datetime.min.time(), UTC) + timedelta(days=rnd.randrange(weeks * 7 - 7))
            stop = min(start + timedelta(days=rnd.randint(3, 90)), datetime.combine(end, datetime.min.time(), UTC))
            hours = round(rnd.uniform(4, 30) * (stop - start).days / 7, 2) or 1.0
            bid = uuid.uuid4()
            data["bookings"].append({"id": bid, "person_id": pid, "source": rnd.choice(["project", "change",
                                                                                         "operations"]),
                                     "source_id": f"bench-{n}-{b}", "kind": rnd.choice(["soft", "hard"]),
                                     "start": start, "end": stop, "hours": hours, "status": "active",
                                     "created_at": now, "released_at": None, "release_reason": None})
            data["weeks"] += [{"booking_id": bid, "week": s.week, "hours": s.hours}
                              for s in spread_hours(start, stop, hours)]
    return data


async def fill(app, data: dict[str, list[dict]]) -> None:
    async with app.state.runtime.engine.begin() as conn:
        for table, key in ((Person, "people"), (PersonSkill, "skills"), (WorkingSchedule, "schedules"),
                           (TimeOff, "time_off"), (Holiday, "holidays"), (Booking, "bookings"),
                           (BookingWeek, "weeks")):
            chunk = data[key]
            for start in range(0, len(chunk), 5000):
                await conn.execute(sa.insert(table.__table__), chunk[start:start + 5000])
    async with unit_of_work(app.state.runtime.sessionmaker) as uow:
        await rebuild_loads(uow)
    if app.state.runtime.engine.dialect.name == "postgresql":
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(sa.text("ANALYZE"))


async def phases(app, weeks: list, people: int) -> dict[str, float]:
    """Milliseconds of each step of `views.service.heatmap_json`, for one run (collector paused, as there)."""
    keys, marks = [key for key, _ in weeks], [time.perf_counter()]
    with service._collector_paused():
        async with app.state.runtime.read_sessionmaker() as session, session.begin():
            rows, _cursor = await ViewRepository(session).people_page_with_loads(
                PersonFilter(), PageParams(limit=people, cursor=None))
            marks.append(time.perf_counter())
            available = await available_rows(session, [person for person, _ in rows], weeks)
            marks.append(time.perf_counter())
        cells = list(service._each_cell(rows, keys, available, encoded=True))
        marks.append(time.perf_counter())
        b",".join(map(orjson.dumps, cells))
        marks.append(time.perf_counter())
    names = ("people + loads query", "availability", "cell arrays", "JSON encoding")
    return {name: (marks[i + 1] - marks[i]) * 1000 for i, name in enumerate(names)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="tandem-heatmap-"))
    pg_name = None
    if args.postgres:
        pg_name = f"tandem_bench_heatmap_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(args.postgres)
        await conn.execute(f'CREATE DATABASE "{pg_name}"')
        await conn.close()
        url = args.postgres.replace("postgresql://", "postgresql+asyncpg://").rstrip("/") + f"/{pg_name}"
    else:
        url = f"sqlite+aiosqlite:///{workdir / 'capacity.sqlite3'}"
    try:
        await asyncio.to_thread(upgrade, "capacity", url)
        platform = PlatformSettings(environment="test", kafka_bootstrap_servers=None)
        settings = service_settings("capacity").model_copy(update={"database_url": url})
        app = create_app(settings=settings, platform=platform, workers=False)
        data = rows(args.people, args.weeks)
        async with app.router.lifespan_context(app):
            await fill(app, data)
            weeks = iso_weeks(FIRST, FIRST + timedelta(weeks=args.weeks - 1))
            token = mint_dev_token(platform, "bench", ["viewer"])
            query = f"/capacity/v1/heatmap?from={weeks[0][1]}&to={weeks[-1][1]}&limit={args.people}"
            direct, http, steps, size = [], [], {}, 0
            async with app.state.runtime.read_sessionmaker() as session, session.begin():
                page = PageParams(limit=args.people, cursor=None)
                # The route's encoder gives byte for byte the body the dict version encodes to.
                assert await heatmap_json(session, PersonFilter(), page, weeks) == service.encode_heatmap(
                    await service.heatmap(session, PersonFilter(), page, weeks))
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bench") as client:
                for i in range(args.runs + 1):
                    began = time.perf_counter()
                    async with app.state.runtime.read_sessionmaker() as session, session.begin():
                        body = await heatmap_json(session, PersonFilter(), PageParams(limit=args.people, cursor=None),
                                                  weeks)
                    elapsed = (time.perf_counter() - began) * 1000
                    began = time.perf_counter()
                    response = await client.get(query, headers={"Authorization": f"Bearer {token}"})
                    through = (time.perf_counter() - began) * 1000
                    assert response.status_code == 200, response.text[:300]
                    assert response.content == body and len(orjson.loads(body)["people"]) == args.people
                    size = len(response.content)
                    split = await phases(app, weeks, args.people)
                    if i:  # the first run warms caches and the statement cache
                        direct.append(elapsed)
                        http.append(through)
                        for name, value in split.items():
                            steps.setdefault(name, []).append(value)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"machine: {host.machine()} · {host.python_version()} · {backend}")
        print(f"people {args.people}, weeks {args.weeks}, bookings {len(data['bookings'])}, "
              f"booking weeks {len(data['weeks'])}, response {size / 1e6:.1f} MB")
        for label, values in (("query+assembly+JSON", direct), ("HTTP (ASGI)", http)):
            print(f"{label:>19}: p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
                  f"max {max(values):.1f} ms over {len(values)} runs")
        print("steps (p50 ms): " + ", ".join(f"{name} {statistics.median(v):.1f}" for name, v in steps.items()))
    finally:
        if pg_name:
            conn = await asyncpg.connect(args.postgres)
            await conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="a PostgreSQL server for a fresh database, e.g. postgresql://postgres@127.0.0.1:5432")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
