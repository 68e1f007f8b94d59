"""Moved bookings in change's assignee projection: conflicts and next windows follow capacity's moves."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tandem_shared.contracts.capacity import BookingCreated, BookingMoved, BookingReleased, WeekHours
from tandem_shared.events import CloudEvent, build_envelope
from tandem_shared.uow import UnitOfWork, record_event

from tests.integration.change import schedule_rows as rows
from tests.integration.change.test_change_conflicts import REQUESTER, START, booking, new_change
from tests.support import create_app, eventually, running


def moved(held: BookingCreated, *, person: uuid.UUID, start: datetime, end: datetime, hours: float = 6,
          previous: tuple[uuid.UUID, datetime, datetime] | None = None) -> BookingMoved:
    """The event capacity publishes when `held` moves to this person and window."""
    before = previous or (held.person_id, held.start, held.end)
    return BookingMoved(
        id=held.id, source=held.source, source_id=held.source_id, kind=held.kind, person_id=person, start=start,
        end=end, hours=hours, weeks=[WeekHours(week="2027-W10", hours=hours)], previous_person_id=before[0],
        previous_start=before[1], previous_end=before[2], previous_hours=held.hours, previous_weeks=held.weeks,
        reason="rota changed")


async def conflicts_of(client, change: dict) -> list[tuple[str, str | None]]:
    """The change's conflicts, checked now, as (kind, booking id)."""
    checked = await client.post(f"/change/v1/changes/{change['id']}/conflicts/check", headers=REQUESTER)
    assert checked.status_code == 200, checked.text
    return [(c["kind"], c["booking_id"]) for c in checked.json()["items"]]


async def test_a_moved_booking_frees_its_old_window_and_busies_the_new_one(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap)
    async with running(app) as client:
        dana, eve = await rows.person(app, "Dana", "Platform"), await rows.person(app, "Eve", "Network")
        held = booking(dana, source="operations", source_id="on-call-w10", start=START - timedelta(hours=1),
                       end=START + timedelta(hours=6))
        later = START + timedelta(days=2)

        async def publish(data) -> None:
            # Published as capacity would, through an outbox of the test's own onto capacity's topic.
            async with app.state.runtime.sessionmaker() as session, session.begin():
                await record_event(session, data, actor="capacity")

        async def known():
            from tandem_change.scheduling.repository import BookingProjection

            async with app.state.runtime.sessionmaker() as session:
                return await BookingProjection(session).get(held.id)

        await publish(held)
        assert await eventually(known)
        first = await new_change(client, "Router firmware", assignee_id=str(dana), effort_hours=2)
        second = await new_change(client, "Switch firmware", later, assignee_id=str(dana), effort_hours=2)
        assert await conflicts_of(client, first) == [("assignee_booked", str(held.id))]
        assert await conflicts_of(client, second) == []

        # Capacity moves the on-call shift two days later: the old window is free, the new one busy.
        await publish(moved(held, person=dana, start=later - timedelta(hours=1), end=later + timedelta(hours=5)))

        async def moved_in_projection():
            row = await known()
            return row.start == later - timedelta(hours=1) and row.hours == 6
        assert await eventually(moved_in_projection)
        assert await conflicts_of(client, first) == []
        assert await conflicts_of(client, second) == [("assignee_booked", str(held.id))]
        windows = (await client.get(f"/change/v1/changes/{second['id']}/next-windows",
                                    params={"after": later.isoformat(), "count": 1}, headers=REQUESTER)).json()
        assert windows["windows"][0]["start"] == (later + timedelta(hours=5)).isoformat().replace("+00:00", "Z")

        # Then it goes to Eve: Dana is free on both days, Eve is busy on the new one.
        await publish(moved(held, person=eve, start=later - timedelta(hours=1), end=later + timedelta(hours=5),
                            previous=(dana, later - timedelta(hours=1), later + timedelta(hours=5))))

        async def with_eve():
            return (await known()).person_id == eve
        assert await eventually(with_eve)
        assert await conflicts_of(client, second) == []
        eves = await new_change(client, "Firewall rules", later, assignee_id=str(eve), effort_hours=2)
        assert await conflicts_of(client, eves) == [("assignee_booked", str(held.id))]


async def test_moves_are_idempotent_and_safe_out_of_order(databases, backend):
    from tandem_change.scheduling.handlers import on_booking_created, on_booking_moved, on_booking_released
    from tandem_change.scheduling.repository import BookingProjection

    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app):
        dana = await rows.person(app, "Dana", "Platform")
        t0 = datetime(2027, 3, 1, 9, tzinfo=UTC)

        def envelope(data, minutes: int) -> CloudEvent:
            """The event as capacity recorded it `minutes` after t0 (its time orders one booking's events)."""
            return build_envelope(data, actor="capacity").model_copy(update={"time": t0 + timedelta(minutes=minutes)})

        async def apply(handler, data, minutes: int) -> None:
            async with app.state.runtime.sessionmaker() as session, session.begin():
                await handler(UnitOfWork.of(session), envelope(data, minutes), data)

        async def row(booking_id: uuid.UUID):
            async with app.state.runtime.sessionmaker() as session:
                found = await BookingProjection(session).get(booking_id)
                return None if found is None else (found.person_id, found.start, found.end, found.hours, found.active)

        late = START + timedelta(days=3)
        # A move that arrives before the creation (the creation was dead-lettered and is replayed later):
        # the move creates the row, the creation arriving afterwards does not take it back to the old window.
        held = booking(dana, source="project", source_id="PRJ-7", start=START, end=START + timedelta(hours=2))
        move = moved(held, person=dana, start=late, end=late + timedelta(hours=3), hours=3)
        await apply(on_booking_moved, move, 5)
        assert await row(held.id) == (dana, late, late + timedelta(hours=3), 3, True)
        await apply(on_booking_created, held, 0)
        assert await row(held.id) == (dana, late, late + timedelta(hours=3), 3, True)
        # The same move again (re-sent with a new event id) leaves the row as it is.
        await apply(on_booking_moved, move, 5)
        assert await row(held.id) == (dana, late, late + timedelta(hours=3), 3, True)
        # An older move replayed after a newer one is ignored; a newer one applies.
        await apply(on_booking_moved, moved(held, person=dana, start=START, end=START + timedelta(hours=1)), 3)
        assert await row(held.id) == (dana, late, late + timedelta(hours=3), 3, True)
        await apply(on_booking_moved, moved(held, person=dana, start=START, end=START + timedelta(hours=1), hours=1),
                    9)
        assert await row(held.id) == (dana, START, START + timedelta(hours=1), 1, True)

        # A released booking stays released, whatever move or creation arrives after its release.
        gone = booking(dana, source="operations", source_id="on-call", start=START, end=START + timedelta(hours=2))
        release = BookingReleased(id=gone.id, person_id=dana, source="operations", source_id="on-call", hours=4,
                                  weeks=[], reason="rota changed")
        await apply(on_booking_created, gone, 0)
        await apply(on_booking_released, release, 10)
        await apply(on_booking_moved, moved(gone, person=dana, start=late, end=late + timedelta(hours=1)), 5)
        assert (await row(gone.id))[4] is False
        # Even when the release is the first this service hears of the booking.
        lost = booking(dana, source="operations", source_id="night", start=START, end=START + timedelta(hours=2))
        await apply(on_booking_released, BookingReleased(
            id=lost.id, person_id=dana, source="operations", source_id="night", hours=4, weeks=[],
            reason="canceled"), 10)
        await apply(on_booking_moved, moved(lost, person=dana, start=late, end=late + timedelta(hours=1)), 5)
        await apply(on_booking_created, lost, 0)
        assert (await row(lost.id))[4] is False
