"""Incidents metrics links to changes move the team's change success score, through the broker, once each."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_shared.broker import make_producer
from tandem_shared.contracts.metrics import IncidentLinked, IncidentUnlinked
from tandem_shared.events import build_envelope
from tandem_shared.uow import record_event

from tests.integration.change.flows import ADMIN, MANAGER, REQUESTER, act, known_person, raise_change
from tests.support import create_app, eventually, running, topic

OPENED = datetime(2027, 3, 7, 8, tzinfo=UTC)


def linked(change_id: str | None, priority: str, *, incident_id: uuid.UUID | None = None,
           external_id: str = "INC0001", previous: tuple[str, str] | None = None) -> IncidentLinked:
    """metrics.incident.linked.v1 as metrics publishes it (the same-CI rule)."""
    return IncidentLinked(
        incident_id=incident_id or uuid.uuid4(), source_system="servicenow", external_id=external_id,
        priority=priority, opened_at=OPENED, service_id=None, ci_ids=["web-01"],
        change_id=uuid.UUID(change_id) if change_id else None, project_id=None if change_id else uuid.uuid4(),
        rule="same_ci", explanation="opened 2.0 h after the change on web-01", ci_ids_in_common=["web-01"],
        hours_between=2.0, window_days=7, previous_change_id=uuid.UUID(previous[0]) if previous else None,
        previous_priority=previous[1] if previous else None)


async def implemented(client, *, team_member: str, outcome: str = "successful", incidents: list[int] = ()) -> dict:
    """A standard change raised, started and completed with the priorities typed in."""
    model = (await client.post("/change/v1/change-models", headers=ADMIN,
                               json={"name": f"Restart {uuid.uuid4().hex[:6]}"})).json()["id"]
    change = await raise_change(client, type="standard", model_id=model, assignee_id=team_member)
    for action, body in (("submit", None), ("start", None)):
        await act(client, change["id"], action, REQUESTER, body)
    await act(client, change["id"], "complete", MANAGER, {
        "outcome": outcome, "incidents_caused": [{"priority": p} for p in incidents]})
    return change


async def test_linked_incidents_replace_typed_ones_and_move_the_score_once(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap)
    async with running(app) as client:
        member = str(await known_person(app, team="Platform"))

        async def score() -> tuple[int, int]:
            body = (await client.get("/change/v1/teams/Platform/success-score", headers=REQUESTER)).json()
            return body["score"], body["incidents_caused"]

        async def publish(data) -> None:
            # Published as metrics would, through an outbox of the test's own onto metrics' topic.
            async with app.state.runtime.sessionmaker() as session, session.begin():
                await record_event(session, data, actor=None)

        async def reaches(expected: tuple[int, int]) -> None:
            async def probe():
                return await score() == expected
            try:
                await eventually(probe)
            except AssertionError:
                raise AssertionError(f"score {await score()} never became {expected}") from None

        change = await implemented(client, team_member=member, incidents=[3])
        assert await score() == (3 - 2, 1)  # the typed-in P3 while nothing is linked

        # A P1 linked by metrics replaces the typed-in P3: 3 - 10.
        first = linked(change["id"], "P1")
        envelope = build_envelope(first)
        producer = make_producer(broker.bootstrap)
        await producer.start()
        try:
            for _ in range(2):  # the same event delivered twice: applied once
                await producer.send_and_wait(topic("metrics"), envelope.to_bytes(), key=envelope.subject.encode())
        finally:
            await producer.stop()
        await reaches((3 - 10, 1))
        listed = (await client.get(f"/change/v1/changes/{change['id']}/incidents", headers=REQUESTER)).json()
        assert [(i["external_id"], i["priority"]) for i in listed["items"]] == [("INC0001", "P1")]
        assert "web-01" in listed["items"][0]["explanation"]

        # Re-sent with a new event id: the link it states is already counted. Then a P2 on the same change.
        await publish(first)
        await publish(linked(change["id"], "P2", external_id="INC0002"))
        await reaches((3 - 10 - 5, 2))
        # The P1 turns out to be the project's, not the change's: the change keeps the P2 only.
        await publish(linked(None, "P1", incident_id=first.incident_id, previous=(change["id"], "P1")))
        await reaches((3 - 5, 1))
        # Without any link left, the typed-in P3 counts again.
        second = (await client.get(f"/change/v1/changes/{change['id']}/incidents", headers=REQUESTER)).json()
        await publish(IncidentUnlinked(
            incident_id=uuid.UUID(second["items"][0]["incident_id"]), source_system="servicenow",
            external_id="INC0002", previous_change_id=uuid.UUID(change["id"]), previous_project_id=None,
            previous_priority="P2", reason="closed as not caused by a change"))
        await reaches((3 - 2, 1))

        # A link that arrives before the change is implemented is scored at completion, in place of typed ones.
        model = (await client.post("/change/v1/change-models", headers=ADMIN, json={"name": "Patch"})).json()["id"]
        pending = await raise_change(client, type="standard", model_id=model, assignee_id=member)
        await publish(linked(pending["id"], "P3", external_id="INC0003"))

        async def stored():
            return (await client.get(f"/change/v1/changes/{pending['id']}/incidents",
                                     headers=REQUESTER)).json()["items"]
        await eventually(stored)
        for action, body in (("submit", None), ("start", None),
                             ("complete", {"outcome": "failed", "incidents_caused": [{"priority": 1}]})):
            await act(client, pending["id"], action, REQUESTER if action != "complete" else MANAGER, body)
        assert await score() == (3 - 2 - 5 - 2, 2)

        # Every move was published for risk and other consumers.
        async with app.state.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.text(
                "SELECT payload FROM outbox WHERE event_type = 'change.team.success_score_changed.v1' ORDER BY seq"
            ))).scalars().all()
        moves = [(json.loads(r) if isinstance(r, str) else r)["data"]["delta"] for r in rows]
        assert moves == [1, -8, -5, 10, 3, -7]
