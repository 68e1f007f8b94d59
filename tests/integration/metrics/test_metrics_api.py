"""The metrics service on a real database (SQLite and PostgreSQL), fed through the real broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from tandem_shared.consumer import Delivery
from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingReleased,
    PersonBurnoutRiskRaised,
    PersonOverallocated,
    PersonOverallocationCleared,
    WeekHours,
)
from tandem_shared.contracts.change import (
    ChangeApproved,
    ChangeCanceled,
    ChangeCreated,
    ChangeImplemented,
    ChangeScheduled,
)
from tandem_shared.contracts.knowledge import ArticleCreated
from tandem_shared.contracts.portfolio import ProjectCreated
from tandem_shared.events import EventData, build_envelope
from tandem_shared.uow import record_event

from tests.support import auth, create_app, eventually, running, topic

VIEWER = auth("vera", "viewer")
T0, T1 = datetime(2026, 12, 1, 22, tzinfo=UTC), datetime(2026, 12, 9, 2, tzinfo=UTC)


CHANGE_OUTCOME_KPIS = (
    "changes_implemented", "changes_implemented_successfully", "change_success_rate", "changes_scheduled",
    "change_lead_time_hours", "change_mean_lead_time_hours", "changes_risk_low", "changes_risk_moderate",
    "changes_risk_high")


async def _consumer_app(databases, backend, broker):
    """A metrics app consuming this test's topics (see the autouse fixture in conftest)."""
    return create_app("metrics", database_url=await databases.fresh("metrics", backend), bootstrap=broker.bootstrap)


async def _publish(app, *events: EventData) -> list:
    """Publish as the producing services would, through an outbox of the test's own."""
    async with app.state.runtime.sessionmaker() as session, session.begin():
        return [await record_event(session, data, actor="producer") for data in events]


def _change(type_: str) -> ChangeCreated:
    return ChangeCreated(id=uuid.uuid4(), title="Patch", type=type_, state="new", requested_by="alice",
                         assignee_id=None, effort_hours=0, planned_start=T0, planned_end=T1, affected_cis=[])


def _booking(source: str, weeks: list[WeekHours]) -> tuple[BookingCreated, BookingReleased]:
    common = {"id": uuid.uuid4(), "person_id": uuid.uuid4(), "source": source, "source_id": str(uuid.uuid4()),
              "hours": sum(w.hours for w in weeks), "weeks": weeks}
    return (BookingCreated(**common, kind="hard", start=T0, end=T1),
            BookingReleased(**common, reason="change canceled"))


async def _kpis(client) -> dict[str, dict]:
    response = await client.get("/metrics/v1/kpis", headers=VIEWER)
    assert response.status_code == 200, response.text
    return {k["key"]: k for k in response.json()["items"]}


def _values(kpis: dict[str, dict]) -> dict[str, float]:
    return {key: kpi["value"] for key, kpi in kpis.items()}


async def test_counts_and_ratio_from_events_and_a_redelivery_counts_once(databases, backend, broker):
    app = await _consumer_app(databases, backend, broker)
    async with running(app) as client:
        approved = ChangeApproved(id=uuid.uuid4(), type="normal", approved_by="bob", pre_authorised=False,
                                  assignee_id=None, effort_hours=0, planned_start=T0, planned_end=T1,
                                  state="scheduled")
        canceled = ChangeCanceled(id=uuid.uuid4(), type="emergency", canceled_by="bob", reason=None,
                                  from_state="authorize", was_approved=False)
        project = ProjectCreated(id=uuid.uuid4(), name="ERP", category="run", stage="proposed", sponsor=None,
                                 start_date=None, go_live_date=None, created_by="pat")
        article = ArticleCreated(id=uuid.uuid4(), title="Runbook", kind="how_to", status="draft", author="kim",
                                 project_id=None, change_id=None)
        episode = {"person_id": uuid.uuid4(), "team": "Platform", "first_week": "2027-W01", "last_week": "2027-W01",
                   "peak_utilisation": 1.2}
        over, burnout = uuid.uuid4(), uuid.uuid4()
        envelopes = await _publish(app, _change("normal"), _change("emergency"), _change("standard"),
                                   approved, canceled, project, article,
                                   PersonOverallocated(episode_id=over, **episode),
                                   PersonBurnoutRiskRaised(episode_id=burnout, **episode),
                                   PersonOverallocationCleared(episode_id=over, **episode),
                                   PersonOverallocated(episode_id=uuid.uuid4(), **episode))
        expected = {
            "changes_created": 3, "changes_approved": 1, "changes_canceled": 1, "emergency_changes": 1,
            "emergency_change_ratio": 1 / 3, "change_hours_booked": 0, "projects_created": 1, "articles_created": 1,
            **dict.fromkeys(CHANGE_OUTCOME_KPIS, 0),
            "overallocation_episodes": 2, "people_overallocated": 1, "burnout_risk_episodes": 1,
            "people_at_burnout_risk": 1,
        }

        async def counted():
            kpis = await _kpis(client)
            values = _values(kpis)
            return kpis if {k: values[k] for k in expected} == pytest.approx(expected) else None

        kpis = await eventually(counted)
        assert kpis["emergency_change_ratio"]["value"] == pytest.approx(0.3333333333)
        assert kpis["emergency_change_ratio"]["unit"] == "ratio"
        assert kpis["emergency_change_ratio"]["direction"] == "lower_is_better"
        assert kpis["changes_created"]["series"] is None and kpis["change_hours_booked"]["series"] == []
        # updated_at is the latest counted event's own time, so a replay restores it too.
        assert datetime.fromisoformat(kpis["changes_created"]["updated_at"]) == envelopes[2].time
        assert datetime.fromisoformat(kpis["emergency_change_ratio"]["updated_at"]) == envelopes[2].time
        assert kpis["change_hours_booked"]["updated_at"] is None

        # The same message delivered twice (a redelivery after a rebalance) counts once.
        envelope = build_envelope(_change("emergency"), actor="alice")
        delivery = Delivery(topic("change"), 0, 10_000, envelope.to_bytes(), envelope.subject.encode())
        consumer = app.state.runtime.consumer
        assert await consumer.handle(delivery) == "applied"
        assert await consumer.handle(delivery) == "duplicate"
        values = _values(await _kpis(client))
        assert values["changes_created"] == 4 and values["emergency_changes"] == 2
        assert values["emergency_change_ratio"] == 0.5
        async with app.state.runtime.engine.connect() as conn:
            inbox = (await conn.execute(sa.text("SELECT count(*) FROM inbox WHERE status = 'applied'"))).scalar()
        assert inbox == 12  # 7 + 4 episode events published, and the redelivered one once


async def test_change_hours_booked_per_week_and_released_back_to_zero(databases, backend, broker):
    app = await _consumer_app(databases, backend, broker)
    async with running(app) as client:
        change_booking, change_release = _booking("change", [WeekHours(week="2026-W49", hours=4),
                                                             WeekHours(week="2026-W50", hours=2)])
        project_booking, _ = _booking("project", [WeekHours(week="2026-W49", hours=30)])
        other_booking, _ = _booking("change", [WeekHours(week="2026-W51", hours=1.5)])
        await _publish(app, change_booking, project_booking, other_booking)

        def booked(value: float, series: list[dict]):
            async def probe():
                kpi = (await client.get("/metrics/v1/kpis/change_hours_booked", headers=VIEWER)).json()
                return kpi if (kpi["value"], kpi["series"]) == (value, series) else None
            return probe

        kpi = await eventually(booked(7.5, [
            {"period": "2026-W49", "value": 4.0}, {"period": "2026-W50", "value": 2.0},
            {"period": "2026-W51", "value": 1.5}]))
        assert kpi["unit"] == "hours" and kpi["name"] == "Change hours booked"

        window = await client.get("/metrics/v1/kpis/change_hours_booked?from_week=2026-W50&to_week=2026-W50",
                                  headers=VIEWER)
        assert window.status_code == 200
        assert window.json()["series"] == [{"period": "2026-W50", "value": 2.0}]
        assert window.json()["value"] == 7.5
        later = await client.get("/metrics/v1/kpis/change_hours_booked?from_week=2026-W51", headers=VIEWER)
        assert later.json()["series"] == [{"period": "2026-W51", "value": 1.5}]

        await _publish(app, change_release)
        await eventually(booked(1.5, [
            {"period": "2026-W49", "value": 0.0}, {"period": "2026-W50", "value": 0.0},
            {"period": "2026-W51", "value": 1.5}]))


async def test_empty_kpis_unknown_key_malformed_weeks_and_no_token(databases, backend, broker):
    app = create_app("metrics", database_url=await databases.fresh("metrics", backend), bootstrap=broker.bootstrap,
                     run_consumer=False)
    async with running(app) as client:
        kpis = await _kpis(client)
        first_release = [
            "changes_created", "changes_approved", "changes_canceled", "emergency_changes",
            "emergency_change_ratio", "changes_implemented", "changes_implemented_successfully",
            "change_success_rate", "changes_scheduled", "change_lead_time_hours", "change_mean_lead_time_hours",
            "changes_risk_low", "changes_risk_moderate", "changes_risk_high", "change_hours_booked",
            "overallocation_episodes", "people_overallocated", "burnout_risk_episodes", "people_at_burnout_risk",
            "projects_created", "articles_created"]
        # The first release's KPIs keep their order in the catalogue, the newer ones come between and after them.
        assert [k for k in kpis if k in first_release] == first_release
        assert {"service_uptime", "schedule_adherence", "budget_accuracy", "csat_average"} <= set(kpis)
        assert all(kpis[k]["value"] == 0 and kpis[k]["updated_at"] is None for k in first_release)
        assert all(k["updated_at"] is None for k in kpis.values())
        assert {k: v["direction"] for k, v in kpis.items()}["articles_created"] == "higher_is_better"

        one = await client.get("/metrics/v1/kpis/emergency_change_ratio", headers=VIEWER)
        assert one.status_code == 200 and one.json()["value"] == 0 and one.json()["series"] is None

        missing = await client.get("/metrics/v1/kpis/mttr", headers=VIEWER)
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert "mttr" in missing.json()["detail"]

        for query, field in [("from_week=2026-48", "from_week"), ("to_week=2026-W54", "to_week"),
                             ("from_week=2027-W53", "from_week"), ("from_week=2026-W50&to_week=2026-W49", "to_week")]:
            bad = await client.get(f"/metrics/v1/kpis/change_hours_booked?{query}", headers=VIEWER)
            assert bad.status_code == 422, (query, bad.text)
            assert bad.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in bad.json()["errors"]] == [field]

        assert (await client.get("/metrics/v1/kpis")).status_code == 401
        assert (await client.get("/metrics/v1/kpis/changes_created",
                                 headers={"Authorization": "Bearer not-a-jwt"})).status_code == 401


def _scheduled(risk: str, lead: float) -> ChangeScheduled:
    return ChangeScheduled(id=uuid.uuid4(), type="normal", risk=risk, assignee_id=None, effort_hours=0,
                           planned_start=T0, planned_end=T1, created_at=T0, scheduled_at=T1, lead_time_hours=lead,
                           state="scheduled")


def _implemented(outcome: str) -> ChangeImplemented:
    return ChangeImplemented(id=uuid.uuid4(), type="normal", outcome=outcome, team="Platform", assignee_id=None,
                             risk="low", affected_cis=[], project_id=None, actual_start=T0, actual_end=T1,
                             incidents_caused=[2], completed_by="bob", state="review")


async def test_change_success_rate_lead_time_and_risk_levels_from_change_events(databases, backend, broker):
    app = await _consumer_app(databases, backend, broker)
    async with running(app) as client:
        await _publish(app, _scheduled("high", 30), _scheduled("low", 6), _scheduled("low", 0),
                       _implemented("successful"), _implemented("successful_with_issues"), _implemented("failed"),
                       _implemented("backed_out"))
        expected = {"changes_scheduled": 3, "change_lead_time_hours": 36, "change_mean_lead_time_hours": 12,
                    "changes_risk_low": 2, "changes_risk_moderate": 0, "changes_risk_high": 1,
                    "changes_implemented": 4, "changes_implemented_successfully": 2, "change_success_rate": 0.5}

        async def counted():
            values = _values(await _kpis(client))
            return values if {k: values[k] for k in expected} == pytest.approx(expected) else None

        await eventually(counted)
        rate = (await client.get("/metrics/v1/kpis/change_success_rate", headers=VIEWER)).json()
        assert (rate["unit"], rate["direction"]) == ("ratio", "higher_is_better")
