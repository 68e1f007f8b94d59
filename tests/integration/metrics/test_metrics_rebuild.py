"""`tandem metrics rebuild`: a replay of the retained topics gives the live consumer's numbers, swapped in whole."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from tandem_metrics.main import SPEC
from tandem_metrics.rebuild.cli import topics_to_replay
from tandem_metrics.rebuild.service import rebuild
from tandem_metrics.rebuild.sources import OutboxSource, TopicSource
from tandem_metrics.rebuild.tables import FACTS, swapped_tables
from tandem_shared.broker import make_producer
from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingMoved,
    BookingReleased,
    PersonBurnoutRiskRaised,
    PersonCreated,
    PersonOverallocated,
    PersonOverallocationCleared,
    WeekHours,
)
from tandem_shared.contracts.change import (
    ChangeApproved,
    ChangeCanceled,
    ChangeCreated,
    ChangeImpactAssessed,
    ChangeImplemented,
    ChangeScheduled,
)
from tandem_shared.contracts.knowledge import ArticleCreated
from tandem_shared.contracts.portfolio import MilestoneCompleted, ProjectCreated, ProjectUpdated
from tandem_shared.events import CloudEvent, EventData, build_envelope
from tandem_shared.uow import record_event

from tests import support
from tests.support import auth, create_app, eventually, running, topic

OWNER, VIEWER = auth("olga", "service_owner"), auth("vera", "viewer")
NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
# Columns that depend on when the live service did what, not on the events: a status remembers the value and the
# wall-clock time it was last stored at, and the live consumer stores it at each crossing of its batches.
# A link's linked_at is when it last moved as the live service saw it: when the incident came, or when the change
# that explains it did, whichever was later; the rebuild has every fact from the start and dates links by the events.
VOLATILE = {("kpi_statuses", "updated_at"), ("kpi_statuses", "value"), ("metrics_incident_links", "linked_at")}
SIGNAL_FED = ("incident", "service_downtime", "csat")


async def publish(app, *events: EventData) -> list[CloudEvent]:
    """Publish as the producing services would, through an outbox of the test's own (one transaction)."""
    async with app.state.runtime.sessionmaker() as session, session.begin():
        return [await record_event(session, data, actor="producer") for data in events]


async def send_raw(bootstrap: str, service: str, *envelopes: CloudEvent) -> None:
    """Messages straight onto a topic: redeliveries (the same event again) and stragglers (an old time, late)."""
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(topic(service), envelope.to_bytes(), key=envelope.subject.encode())
    finally:
        await producer.stop()


def _value(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6) + 0.0  # sums in another order drift in the last bits
    if isinstance(value, dict):
        return {k: _value(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


async def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table a rebuild swaps in (projections, and facts with what they counted)."""
    found = {}
    async with app.state.runtime.engine.connect() as conn:
        for table in swapped_tables():
            columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
            rows = (await conn.execute(sa.select(*columns).order_by(*table.primary_key.columns))).all()
            found[table.name] = [tuple(_value(v) for v in row) for row in rows]
    # A value fed by signals is stamped, live, by the signal update that last changed it; the rebuild counts each
    # signal once, as it is now, and stamps the signal's latest update (docs/kpis.md): values compared, not stamps.
    found["kpi_values"] = [row[:4] + ((None,) if row[0].startswith(SIGNAL_FED) else row[4:])
                           for row in found["kpi_values"]]
    return found


async def applied(app) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return (await conn.execute(sa.text("SELECT count(*) FROM inbox WHERE status = 'applied'"))).scalar()


def booking(person: uuid.UUID, source: str, source_id: str, week: str, hours: float) -> BookingCreated:
    return BookingCreated(id=uuid.uuid4(), person_id=person, source=source, source_id=source_id, kind="hard",
                          start=NOW, end=NOW + DAY, hours=hours, weeks=[WeekHours(week=week, hours=hours)])


async def mixed_history(app, client, bootstrap: str) -> int:
    """Events of every producer, signals over HTTP and the inbound topic, redeliveries and stragglers.

    In phases, each applied before the next: events whose numbers depend on another entity's events (a booking on
    its person's team, a change on its project's category) come after them, as they do in production, where the
    live consumer applies them as they are published. Returns how many distinct events the consumer applied.
    """
    week, next_week = NOW.strftime("%G-W%V"), (NOW + 7 * DAY).strftime("%G-W%V")
    platform, network, data = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    growth, run = uuid.uuid4(), uuid.uuid4()
    c1, c2, c3, c4 = (uuid.uuid4() for _ in range(4))
    shop = uuid.uuid4()
    events: list[CloudEvent] = []
    inbound: list[CloudEvent] = []

    async def phase(*data: EventData) -> None:
        events.extend(await publish(app, *data))

        async def done():
            return await applied(app) == len(events) + len(inbound)
        await eventually(done, timeout=20)

    def created(cid: uuid.UUID, type_: str, cis: list[str]) -> ChangeCreated:
        return ChangeCreated(id=cid, title=f"Change {cid.hex[:4]}", type=type_, state="new", requested_by="alice",
                             assignee_id=platform, effort_hours=4, planned_start=NOW, planned_end=NOW + DAY,
                             affected_cis=cis)

    def scheduled(cid: uuid.UUID, risk: str) -> ChangeScheduled:
        return ChangeScheduled(id=cid, type="normal", risk=risk, assignee_id=platform, effort_hours=4,
                               planned_start=NOW, planned_end=NOW + DAY, created_at=NOW - DAY, scheduled_at=NOW,
                               lead_time_hours=24, state="scheduled")

    def implemented(cid: uuid.UUID, outcome: str, team: str, cis: list[str], project: uuid.UUID | None,
                    at: datetime) -> ChangeImplemented:
        return ChangeImplemented(id=cid, type="normal", outcome=outcome, team=team, assignee_id=platform, risk="low",
                                 affected_cis=cis, project_id=project, actual_start=at - timedelta(hours=1),
                                 actual_end=at, incidents_caused=[], completed_by="bob", state="review",
                                 title="Rollout")

    await phase(*(PersonCreated(id=p, name=n, email=None, team=t, skills=[], weekly_hours=40)
                  for p, n, t in ((platform, "Ann", "Platform"), (network, "Ben", "Network"), (data, "Cat", "Data"))),
                ProjectCreated(id=growth, name="Shop 2.0", category="growth", stage="approved", sponsor="sue",
                               start_date=None, go_live_date=None, created_by="pat"),
                ProjectCreated(id=run, name="Keep lights on", category="run", stage="approved", sponsor=None,
                               start_date=None, go_live_date=None, created_by="pat"))

    b1 = booking(platform, "change", str(c1), week, 4)
    b2 = booking(network, "project", str(growth), week, 30)
    b3 = booking(data, "operations", "on-call", week, 8)
    episode = {"person_id": network, "team": "Network", "first_week": week, "last_week": week,
               "peak_utilisation": 1.3}
    over = uuid.uuid4()
    await phase(
        created(c1, "normal", ["web-01"]), created(c2, "emergency", ["db-01"]), created(c3, "standard", []),
        created(c4, "normal", ["lb-01"]), scheduled(c1, "low"), scheduled(c2, "high"),
        ChangeApproved(id=c1, type="normal", approved_by="bob", pre_authorised=False, assignee_id=platform,
                       effort_hours=4, planned_start=NOW, planned_end=NOW + DAY, state="scheduled"),
        ChangeCanceled(id=c3, type="standard", canceled_by="bob", reason="not needed", from_state="new",
                       was_approved=False),
        b1, b2, b3, PersonOverallocated(episode_id=over, **episode),
        PersonBurnoutRiskRaised(episode_id=uuid.uuid4(), **{**episode, "person_id": data, "team": "Data"}),
        ArticleCreated(id=uuid.uuid4(), title="Runbook", kind="runbook", status="draft", author="kim",
                       project_id=None, change_id=c1),
        ProjectUpdated(id=growth, changed={"category": "transform"}, updated_by="pat", version=2))
    await phase(
        BookingMoved(id=b1.id, source="change", source_id=str(c1), kind="hard", person_id=network, start=NOW,
                     end=NOW + DAY, hours=6, weeks=[WeekHours(week=next_week, hours=6)], previous_person_id=platform,
                     previous_start=NOW, previous_end=NOW + DAY, previous_hours=4, previous_weeks=b1.weeks,
                     reason="rescheduled"),
        BookingReleased(id=b3.id, person_id=data, source="operations", source_id="on-call", hours=8,
                        weeks=b3.weeks, reason="rota"),
        PersonOverallocationCleared(episode_id=over, **episode),
        MilestoneCompleted(id=uuid.uuid4(), project_id=growth, name="Go-live", kind="go_live",
                           baseline_date=date(2027, 1, 10), forecast_date=date(2027, 1, 12),
                           actual_date=date(2027, 1, 14), slip_days=4, slip_working_days=2, completed_by="pat"),
        implemented(c1, "successful", "Platform", ["web-01"], growth, NOW - 3 * DAY),
        implemented(c2, "failed", "Network", ["db-01"], None, NOW - 2 * DAY))

    # Signals over HTTP: the shop's committed hours; an incident the rule links to c1 (same CI), one its source
    # blames on c2, an unrelated one; an outage and satisfaction responses.
    hours = await client.put(f"/metrics/v1/services/{shop}/service-hours", headers={**OWNER, "If-Match": 'W/"0"'},
                             json={"preset": "weekdays"})
    assert hours.status_code == 200, hours.text
    incidents = [
        {"external_id": "INC1", "ci_id": "web-01", "priority": "P2", "opened_at": (NOW - 2 * DAY).isoformat()},
        {"external_id": "INC2", "service_id": "svc-db", "priority": "P1", "opened_at": (NOW - DAY).isoformat(),
         "resolved_at": NOW.isoformat(), "caused_by_change_id": str(c2)},
        {"external_id": "INC3", "service_id": "svc-hr", "priority": "P4", "opened_at": (NOW - DAY).isoformat()},
    ]
    for path, rows in (("incidents", incidents), ("outages", [
            {"external_id": "OUT1", "service_id": str(shop), "start": (NOW - 2 * DAY).isoformat(),
             "end": (NOW - 2 * DAY + timedelta(minutes=90)).isoformat()}]), ("csat", [
            {"external_id": "S1", "service_id": str(shop), "score": 4, "responded_at": NOW.isoformat()},
            {"external_id": "S2", "service_id": str(shop), "score": 60, "scale": "0-100",
             "responded_at": NOW.isoformat()}])):
        answer = await client.post(f"/metrics/v1/signals/{path}", headers=OWNER,
                                   json={"source_system": "servicenow", "items": rows})
        assert answer.status_code == 200 and answer.json()["rejected"] == 0, answer.text

    # On the inbound topic, before the change that caused it is known (out of order across streams): an incident on
    # the shop, linked once c4's impact and implementation arrive; and INC1 again, raised to P1.
    inbound += [CloudEvent(source="/servicenow", type="metrics.signal.incident.v1", subject=s["external_id"], data=s)
                for s in ({"external_id": "INC4", "source_system": "servicenow", "service_id": str(shop),
                           "priority": "P3", "opened_at": (NOW - DAY).isoformat()},
                          {"external_id": "INC1", "source_system": "servicenow", "ci_id": "web-01", "priority": "P1",
                           "opened_at": (NOW - 2 * DAY).isoformat()})]
    await send_raw(bootstrap, "signals.inbound", *inbound)
    await phase(ChangeImpactAssessed(id=c4, assessed_by="bob", depth=3, impacted_count=2, business_service_count=1,
                                     impacted_business_services=[shop], most_critical=1))
    await phase(implemented(c4, "successful_with_issues", "Data", ["lb-01"], run, NOW - 2 * DAY))
    # Redelivered: events already applied, sent again as they were. A straggler: a change created long ago,
    # delivered last.
    straggler = build_envelope(created(uuid.uuid4(), "emergency", []), actor="alice").model_copy(
        update={"time": NOW - 30 * DAY})
    await send_raw(bootstrap, "change", events[5], events[12], straggler)
    await send_raw(bootstrap, "capacity", events[0], events[19])
    events.append(straggler)

    async def settled():
        return await applied(app) == len(events) + len(inbound)
    await eventually(settled, timeout=20)
    return len(events) + len(inbound)


async def test_a_rebuild_from_the_topics_equals_the_live_projections(databases, backend, broker):
    url = await databases.fresh("metrics", backend)
    app = create_app("metrics", database_url=url, bootstrap=broker.bootstrap)
    async with running(app) as client:
        expected = await mixed_history(app, client, broker.bootstrap)

        live = await snapshot(app)
        assert live["kpi_values"] and live["metrics_incident_links"] and live["kpi_statuses"] is not None
        assert {row[0] for row in live["metrics_incidents"]}, "no incident was kept"

        source = TopicSource(broker.bootstrap, topics_to_replay(support.topic_prefix))
        try:
            report = await rebuild(url, source, SPEC.handlers)
        finally:
            await source.close()
        assert report.duplicates == 4 and report.dead_lettered == 0 and not report.failed
        assert report.applied == expected - 2  # the two inbound signals are facts: kept, not replayed
        assert report.facts == sum(len(live[name]) for name in FACTS)
        rebuilt = await snapshot(app)
        differing = {name: ([r for r in live[name] if r not in rebuilt[name]],
                            [r for r in rebuilt[name] if r not in live[name]])
                     for name in live if rebuilt[name] != live[name]}
        assert not differing, differing  # table: (rows only live, rows only rebuilt)

        # The live consumer goes on against the swapped-in tables.
        before = {k["key"]: k["value"] for k in (await client.get("/metrics/v1/kpis", headers=VIEWER)).json()["items"]}
        await publish(app, ChangeCreated(id=uuid.uuid4(), title="After", type="normal", state="new",
                                         requested_by="alice", assignee_id=None, effort_hours=1, planned_start=NOW,
                                         planned_end=NOW + DAY, affected_cis=[]))

        async def counted():
            kpis = (await client.get("/metrics/v1/kpis", headers=VIEWER)).json()["items"]
            return {k["key"]: k["value"] for k in kpis}["changes_created"] == before["changes_created"] + 1
        await eventually(counted)


async def test_events_the_live_consumer_has_not_reached_are_marked_so_it_skips_them(databases, backend, broker):
    url = await databases.fresh("metrics", backend)
    app = create_app("metrics", database_url=url, bootstrap=broker.bootstrap, run_consumer=False)
    async with running(app) as client:
        created = [ChangeCreated(id=uuid.uuid4(), title="Patch", type=t, state="new", requested_by="alice",
                                 assignee_id=None, effort_hours=1, planned_start=NOW, planned_end=NOW + DAY,
                                 affected_cis=[]) for t in ("normal", "emergency", "normal")]
        await publish(app, *created)

        async def published():
            async with app.state.runtime.engine.connect() as conn:
                return (await conn.execute(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
                        ).scalar() == 0
        await eventually(published)
        # From the outbox this time (the relay published it; the consumer is off).
        source = OutboxSource([url], topics_to_replay(support.topic_prefix), SPEC.handlers)
        try:
            report = await rebuild(url, source, SPEC.handlers)
        finally:
            await source.close()
        assert (report.applied, report.marked) == (3, 3)

        def values(items):
            return {k["key"]: k["value"] for k in items}
        kpis = values((await client.get("/metrics/v1/kpis", headers=VIEWER)).json()["items"])
        assert (kpis["changes_created"], kpis["emergency_changes"]) == (3, 1)

    # Now the consumer starts from the beginning of the topic: the inbox says it has them all.
    consumer = create_app("metrics", database_url=url, bootstrap=broker.bootstrap)
    async with running(consumer) as client:
        await publish(consumer, ChangeCreated(id=uuid.uuid4(), title="Next", type="normal", state="new",
                                              requested_by="alice", assignee_id=None, effort_hours=1,
                                              planned_start=NOW, planned_end=NOW + DAY, affected_cis=[]))

        async def four():
            items = (await client.get("/metrics/v1/kpis", headers=VIEWER)).json()["items"]
            return {k["key"]: k["value"] for k in items}["changes_created"] == 4
        await eventually(four)
        assert await applied(consumer) == 4 + 0  # three marked by the rebuild, one applied live


async def test_events_and_signals_arriving_during_the_rebuild_are_counted_once(databases, backend, broker):
    url = await databases.fresh("metrics", backend)
    app = create_app("metrics", database_url=url, bootstrap=broker.bootstrap)
    async with running(app) as client:
        def change(type_: str = "normal") -> ChangeCreated:
            return ChangeCreated(id=uuid.uuid4(), title="Patch", type=type_, state="new", requested_by="alice",
                                 assignee_id=None, effort_hours=1, planned_start=NOW, planned_end=NOW + DAY,
                                 affected_cis=[])

        await publish(app, *(change() for _ in range(200)))

        async def consumed(count: int):
            async def probe():
                return await applied(app) == count
            return await eventually(probe, timeout=30)
        await consumed(200)

        sent = {"changes": 200, "responses": 0}
        stop = asyncio.Event()

        async def keep_sending() -> None:
            # Events and signals while the rebuild reads, catches up and swaps.
            while not stop.is_set():
                await publish(app, change(), change("emergency"))
                sent["changes"] += 2
                n = sent["responses"] = sent["responses"] + 1
                answer = await client.post("/metrics/v1/signals/csat", headers=OWNER, json={"items": [
                    {"external_id": f"S{n}", "source_system": "survey", "service_id": "svc", "score": 5,
                     "responded_at": NOW.isoformat()}]})
                assert answer.status_code == 200, answer.text
                await asyncio.sleep(0.01)

        sender = asyncio.create_task(keep_sending())
        await asyncio.sleep(0.2)
        source = TopicSource(broker.bootstrap, topics_to_replay(support.topic_prefix))
        try:
            report = await rebuild(url, source, SPEC.handlers)
        finally:
            await source.close()
            await asyncio.sleep(0.2)
            stop.set()
            await sender
        assert report.applied >= 200 and not report.failed
        await consumed(sent["changes"])

        def values(items):
            return {k["key"]: k["value"] for k in items}
        kpis = values((await client.get("/metrics/v1/kpis", headers=VIEWER)).json()["items"])
        emergencies = (sent["changes"] - 200) // 2
        assert (kpis["changes_created"], kpis["emergency_changes"]) == (sent["changes"], emergencies)
        assert kpis["csat_responses"] == sent["responses"]
