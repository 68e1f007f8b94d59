"""Implementation-caused disruption through the real broker on both databases: metrics' incident links (naming the
project, or a change portfolio knows is the project's) move the project's resources status and keep one automatic
"Go-live caused incidents" issue; redelivery, re-links and unlinks are idempotent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tandem_shared.contracts.change import ChangeApproved
from tandem_shared.contracts.metrics import IncidentLinked, IncidentUnlinked
from tandem_shared.uow import record_event

from tests.support import auth, create_app, eventually, running

PM = auth("paula", "project_manager")
VIEWER = auth("vera", "viewer")
API = "/portfolio/v1"
TIMEOUT = 25.0
OPENED = datetime(2027, 3, 2, 9, tzinfo=UTC)


async def _publish(app, data) -> None:
    """Publish as metrics (or change) would, through the portfolio app's own outbox and relay."""
    async with app.state.runtime.sessionmaker() as session, session.begin():
        await record_event(session, data, actor="metrics")


def _linked(incident: uuid.UUID, priority: str, *, project: str | None = None, change: uuid.UUID | None = None,
            previous: tuple[uuid.UUID | None, str | None, str] | None = None) -> IncidentLinked:
    before = previous or (None, None, None)
    return IncidentLinked(
        incident_id=incident, source_system="servicenow", external_id=f"INC-{str(incident)[:4]}", priority=priority,
        opened_at=OPENED, service_id="portal", ci_ids=["portal-app"], change_id=change,
        project_id=uuid.UUID(project) if project else None, rule="same_ci" if change else "source",
        explanation=f"same CI portal-app as the change, {priority}" if change else "the source named the project",
        ci_ids_in_common=["portal-app"] if change else [], hours_between=3.0 if change else None,
        window_days=7 if change else None, previous_change_id=before[0],
        previous_project_id=uuid.UUID(before[1]) if before[1] else None, previous_priority=before[2])


async def _resources(client, pid: str) -> dict:
    response = await client.get(f"{API}/projects/{pid}/status", headers=VIEWER)
    assert response.status_code == 200, response.text
    return next(d for d in response.json()["dimensions"] if d["dimension"] == "resources")


async def _issues(client, pid: str) -> list[dict]:
    response = await client.get(f"{API}/projects/{pid}/risks?status=open&status=closed", headers=VIEWER)
    assert response.status_code == 200, response.text
    return [r for r in response.json()["items"] if r["source"] == "automatic"]


async def _disruption_is(client, pid: str, points: int | None) -> dict | None:
    resources = await _resources(client, pid)
    facts = resources["facts"]["implementation_disruption"]
    return resources if (facts and facts["points"]) == points else None


async def test_go_live_caused_incidents_move_the_project_status_and_risks(databases, backend, broker):
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap)
    async with running(portfolio) as pf:
        created = await pf.post(f"{API}/projects", headers=PM, json={"name": "Portal", "sponsor": "cfo",
                                                                     "project_manager": "paula"})
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        other = (await pf.post(f"{API}/projects", headers=PM, json={"name": "Billing", "sponsor": "cfo"})).json()["id"]
        assert (await _resources(pf, pid))["facts"]["implementation_disruption"] is None

        # An incident linked to the go-live change, published before change says the change is the project's
        # (other topics: either may arrive first); once portfolio knows the change, the incident counts.
        change = uuid.uuid4()
        now = datetime.now(UTC)
        first, second = uuid.uuid4(), uuid.uuid4()
        await _publish(portfolio, _linked(first, "P2", change=change))
        await _publish(portfolio, ChangeApproved(
            id=change, type="normal", approved_by="cab", pre_authorised=False, assignee_id=None, effort_hours=4,
            planned_start=now, planned_end=now + timedelta(hours=4), state="scheduled", project_id=uuid.UUID(pid)))
        amber = await eventually(lambda: _disruption_is(pf, pid, 5), timeout=TIMEOUT)
        assert amber["colour"] == "amber" and amber["facts"]["implementation_disruption"]["incidents"] == 1
        assert "implementation-caused disruption: 1 incident(s) caused by the project's go-live weigh 5 point(s)" \
            in amber["explanation"] and "same CI portal-app as the change, P2" in amber["explanation"]
        [issue] = await eventually(lambda: _issues(pf, pid), timeout=TIMEOUT)
        assert (issue["title"], issue["kind"], issue["status"], issue["impact"], issue["owner"]) == (
            "Go-live caused incidents", "issue", "open", 3, "paula")

        # Redelivered: nothing moves. A second incident naming the project directly: red.
        await _publish(portfolio, _linked(first, "P2", change=change))
        await _publish(portfolio, _linked(second, "P1", project=pid))
        red = await eventually(lambda: _disruption_is(pf, pid, 15), timeout=TIMEOUT)
        assert red["colour"] == "red"
        [issue] = await _issues(pf, pid)
        assert issue["impact"] == 4 and "2 incident(s)" in issue["source_explanation"]

        # Re-linked to another project: it leaves this one. Unlinked: gone, and the issue closes.
        await _publish(portfolio, _linked(second, "P1", project=other, previous=(None, pid, "P1")))
        await eventually(lambda: _disruption_is(pf, pid, 5), timeout=TIMEOUT)
        assert (await _disruption_is(pf, other, 10))["colour"] == "red"
        for _ in range(2):  # redelivered unlink: idempotent
            await _publish(portfolio, IncidentUnlinked(
                incident_id=first, source_system="servicenow", external_id="INC", previous_change_id=change,
                previous_project_id=uuid.UUID(pid), previous_priority="P2", reason="the source withdrew the cause"))
        await eventually(lambda: _disruption_is(pf, pid, None), timeout=TIMEOUT)
        closed = await eventually(lambda: _closed(pf, pid), timeout=TIMEOUT)
        assert "no incident linked to the project's go-live any more" in closed["source_explanation"]
        assert (await _resources(pf, pid))["colour"] == "green"
        [other_issue] = await _issues(pf, other)
        assert other_issue["status"] == "open" and other_issue["impact"] == 4


async def _closed(client, pid: str) -> dict | None:
    issues = await _issues(client, pid)
    return issues[0] if issues and issues[0]["status"] == "closed" else None
