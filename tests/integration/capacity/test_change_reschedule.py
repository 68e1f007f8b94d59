"""Change events through the real broker: approve books, reschedule moves (or books, or releases), cancel releases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_shared.contracts.change import ChangeApproved, ChangeCanceled, ChangeRescheduled
from tandem_shared.tables import outbox
from tandem_shared.uow import record_event

from tests.support import auth, create_app, eventually, running

RM = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
TIMEOUT = 20.0
MON = datetime(2027, 1, 4, 8, tzinfo=UTC)  # Monday of 2027-W01


def _at(day: int, hour: int) -> datetime:
    return datetime(2027, 1, day, hour, tzinfo=UTC)


def _rescheduled(change: uuid.UUID, previous: uuid.UUID | None, person: uuid.UUID | None, start: datetime,
                 end: datetime, hours: float, books: bool = True) -> ChangeRescheduled:
    return ChangeRescheduled(id=change, type="normal", rescheduled_by="carol", state="scheduled", books_capacity=books,
                             previous_start=MON, previous_end=_at(4, 16), planned_start=start, planned_end=end,
                             previous_assignee_id=previous, assignee_id=person, effort_hours=hours, reason="moved")


async def _publish(app, *events) -> None:
    async with app.state.runtime.sessionmaker() as session, session.begin():
        for data in events:
            await record_event(session, data, actor="carol")


async def _bookings(client, change: uuid.UUID, status: str = "all") -> list[dict]:
    url = f"/capacity/v1/bookings?source=change&source_id={change}&status={status}"
    return (await client.get(url, headers=VIEWER)).json()["items"]


async def _inbox_count(app) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return (await conn.execute(sa.text("SELECT count(*) FROM inbox"))).scalar()


async def test_approve_reschedule_and_cancel_move_the_booking(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap)
    async with running(app) as client:
        people = []
        for name in ("Dana", "Eli"):
            body = {"name": name, "team": "Ops", "weekly_hours": 40}
            people.append(uuid.UUID((await client.post("/capacity/v1/people", headers=RM, json=body)).json()["id"]))
        dana, eli = people
        change, late = uuid.uuid4(), uuid.uuid4()
        await _publish(app, ChangeApproved(id=change, type="normal", approved_by="carol", pre_authorised=False,
                                           assignee_id=dana, effort_hours=6, planned_start=MON,
                                           planned_end=_at(4, 16), state="scheduled"))
        [booked] = await eventually(lambda: _bookings(client, change, "active"), timeout=TIMEOUT)
        assert (booked["person_id"], booked["hours"], booked["weeks"]) == (
            str(dana), 6.0, [{"week": "2027-W01", "hours": 6.0}])

        # To Eli, a week later, 10 hours over two days across a week boundary; sent twice (new event ids).
        moved_to = _rescheduled(change, dana, eli, _at(10, 0), _at(12, 0), 10)
        not_booking = _rescheduled(change, eli, dana, _at(20, 0), _at(21, 0), 3, books=False)
        await _publish(app, moved_to, moved_to, not_booking)
        await eventually(lambda: _true_when(_inbox_count(app), 4), timeout=TIMEOUT)
        [moved] = await _bookings(client, change)
        assert moved["id"] == booked["id"] and moved["status"] == "active"
        assert (moved["person_id"], moved["hours"], moved["start"], moved["end"]) == (
            str(eli), 10.0, "2027-01-10T00:00:00Z", "2027-01-12T00:00:00Z")
        assert moved["weeks"] == [{"week": "2027-W01", "hours": 5.0}, {"week": "2027-W02", "hours": 5.0}]

        # A reschedule of an authorised change capacity never booked (e.g. assigned later) books it.
        await _publish(app, _rescheduled(late, None, dana, _at(18, 8), _at(18, 12), 4))
        [fresh] = await eventually(lambda: _bookings(client, late, "active"), timeout=TIMEOUT)
        assert (fresh["person_id"], fresh["hours"], fresh["kind"]) == (str(dana), 4.0, "hard")
        # Unassigned on reschedule: released. Canceled: released.
        await _publish(app, _rescheduled(late, dana, None, _at(18, 8), _at(18, 12), 4),
                       ChangeCanceled(id=change, type="normal", canceled_by="carol", reason="no longer needed",
                                      from_state="scheduled", was_approved=True))

        async def both_released():
            items = await _bookings(client, change, "released") + await _bookings(client, late, "released")
            return items if len(items) == 2 else None

        released = await eventually(both_released, timeout=TIMEOUT)
        assert sorted(b["release_reason"] for b in released) == [
            "change canceled", "change rescheduled without an assignee or effort"]

        async with app.state.runtime.engine.connect() as conn:
            moves = (await conn.execute(sa.select(outbox.c.payload).where(
                outbox.c.event_type == "capacity.booking.moved.v1"))).scalars().all()
        assert len(moves) == 1
        data = moves[0]["data"]
        assert (data["previous_person_id"], data["person_id"], data["previous_hours"], data["hours"]) == (
            str(dana), str(eli), 6.0, 10.0)
        assert data["previous_weeks"] == [{"week": "2027-W01", "hours": 6.0}]
        assert data["weeks"] == moved["weeks"] and data["reason"] == "change rescheduled"


async def _true_when(count, expected: int) -> bool:  # noqa: ANN001
    return await count >= expected
