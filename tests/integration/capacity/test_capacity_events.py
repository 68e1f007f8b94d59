"""Change events reach capacity through the real broker: approvals book, cancels release, repeats book once, an
unknown assignee is rejected."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from tandem_shared.consumer import Delivery
from tandem_shared.contracts.change import ChangeApproved, ChangeCanceled
from tandem_shared.events import build_envelope
from tandem_shared.tables import inbox, outbox
from tandem_shared.uow import record_event

from tests.support import auth, create_app, eventually, running, topic

MANAGER = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
START, END = "2026-12-31T00:00:00+00:00", "2027-01-05T00:00:00+00:00"
TIMEOUT = 20.0  # the consumer's first group join on the development broker takes a few seconds


def _approved(change_id: uuid.UUID, person: uuid.UUID | None, hours: float = 10) -> ChangeApproved:
    return ChangeApproved(
        id=change_id, type="normal", approved_by="bob", pre_authorised=False, assignee_id=person,
        effort_hours=hours, planned_start=datetime.fromisoformat(START), planned_end=datetime.fromisoformat(END),
        state="scheduled")


async def _publish(app, data, actor: str = "bob") -> None:
    """Publish as the change service would, through the capacity app's own outbox and relay."""
    async with app.state.runtime.sessionmaker() as session, session.begin():
        await record_event(session, data, actor=actor)


async def _person(client) -> uuid.UUID:
    body = {"name": "Dana Kim", "team": "Platform", "weekly_hours": 40}
    return uuid.UUID((await client.post("/capacity/v1/people", headers=MANAGER, json=body)).json()["id"])


async def _bookings(client, person: uuid.UUID, status: str = "all") -> list[dict]:
    response = await client.get(f"/capacity/v1/people/{person}/bookings?status={status}", headers=VIEWER)
    return response.json()["items"]


async def test_an_approved_change_books_its_assignee_and_a_cancel_releases_it(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap)
    async with running(app) as client:
        person, change = await _person(client), uuid.uuid4()
        await _publish(app, _approved(change, person))

        async def booked():
            items = await _bookings(client, person, "active")
            return items[0] if items else None

        booking = await eventually(booked, timeout=TIMEOUT)
        assert (booking["source"], booking["source_id"], booking["kind"], booking["hours"]) == (
            "change", str(change), "hard", 10.0)
        assert (booking["start"], booking["end"]) == ("2026-12-31T00:00:00Z", "2027-01-05T00:00:00Z")
        assert booking["weeks"] == [{"week": "2026-W53", "hours": 8.0}, {"week": "2027-W01", "hours": 2.0}]
        report = (await client.get(f"/capacity/v1/people/{person}/utilisation?from=2026-12-28&to=2027-01-04",
                                   headers=VIEWER)).json()["weeks"]
        assert [(w["week"], w["change_hours"], w["booked_hours"], w["utilisation"]) for w in report] == [
            ("2026-W53", 8.0, 8.0, 0.2), ("2027-W01", 2.0, 2.0, 0.05)]

        await _publish(app, ChangeCanceled(id=change, type="normal", canceled_by="alice", reason="not needed",
                                           from_state="scheduled", was_approved=True), actor="alice")

        async def released():
            items = await _bookings(client, person, "released")
            return items[0] if items else None

        gone = await eventually(released, timeout=TIMEOUT)
        assert (gone["id"], gone["release_reason"]) == (booking["id"], "change canceled")
        assert await _bookings(client, person, "active") == []
        report = (await client.get(f"/capacity/v1/people/{person}/utilisation?from=2026-12-28&to=2027-01-04",
                                   headers=VIEWER)).json()["weeks"]
        assert [w["booked_hours"] for w in report] == [0.0, 0.0]

        async def published():
            async with app.state.runtime.engine.connect() as conn:
                rows = (await conn.execute(sa.select(outbox).where(outbox.c.event_type.like("capacity.booking.%"))
                                           .order_by(outbox.c.seq))).all()
            return rows if len(rows) == 2 and all(r.published_at for r in rows) else None

        created, release = await eventually(published, timeout=TIMEOUT)
        assert created.event_type == "capacity.booking.created.v1" and created.payload["actor"] == "bob"
        assert created.payload["data"]["weeks"] == booking["weeks"] and created.payload["data"]["hours"] == 10.0
        assert release.event_type == "capacity.booking.released.v1" and release.payload["actor"] == "alice"
        assert release.payload["data"]["reason"] == "change canceled"


async def test_a_repeated_approval_books_once_and_an_unknown_assignee_is_rejected(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap)
    async with running(app) as client:
        person, change = await _person(client), uuid.uuid4()
        async with app.state.runtime.sessionmaker() as session, session.begin():
            envelope = await record_event(session, _approved(change, person, hours=7.5), actor="bob")
        await eventually(lambda: _bookings(client, person), timeout=TIMEOUT)
        consumer = app.state.runtime.consumer
        # The envelope the broker delivered, delivered again: the inbox knows it.
        delivery = Delivery(topic("change"), 0, 10_000, envelope.to_bytes(), envelope.subject.encode())
        assert await consumer.handle(delivery) == "duplicate"
        # A new envelope approving the same change (e.g. re-sent by a replay) is applied but books nothing new.
        again = build_envelope(_approved(change, person, hours=7.5), actor="bob")
        assert await consumer.handle(Delivery(topic("change"), 0, 10_001, again.to_bytes(), None)) == "applied"
        bookings = await _bookings(client, person)
        assert [(b["source_id"], b["hours"], b["status"]) for b in bookings] == [(str(change), 7.5, "active")]
        assert sum(w["hours"] for w in bookings[0]["weeks"]) == 7.5
        report = (await client.get(f"/capacity/v1/people/{person}/utilisation?from=2026-12-28&to=2027-01-04",
                                   headers=VIEWER)).json()["weeks"]
        assert [w["booked_hours"] for w in report] == [6.0, 1.5]

        # An assignee capacity does not know (the databases disagree, e.g. after a restore): applied as a rejection
        # the change shows, nothing booked, nothing dead-lettered.
        unknown = uuid.uuid4()
        stranger = build_envelope(_approved(uuid.uuid4(), unknown), actor="bob")
        assert await consumer.handle(Delivery(topic("change"), 1, 10_002, stranger.to_bytes(), None)) == "applied"
        async with app.state.runtime.engine.connect() as conn:
            status = (await conn.execute(sa.select(inbox.c.status).where(inbox.c.event_id == stranger.id))).scalar()
            rejections = (await conn.execute(sa.select(outbox.c.payload).where(
                outbox.c.event_type == "capacity.booking.rejected.v1"))).scalars().all()
            bookings_total = (await conn.execute(sa.text("SELECT count(*) FROM bookings"))).scalar()
        assert status == "applied" and bookings_total == 1
        assert [(r["data"]["source_id"], r["data"]["person_id"], r["data"]["reason"], r["actor"])
                for r in rejections] == [(stranger.subject, str(unknown), f"assignee {unknown} is unknown to capacity",
                                          "bob")]
