"""Booking use cases and the change handlers on a fake unit of work: events, audit rows and state, no database."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tandem_capacity.bookings import handlers, service
from tandem_capacity.bookings.models import Booking, BookingWeek
from tandem_capacity.bookings.repository import BookingRepository
from tandem_capacity.loads.repository import EpisodeCheckRepository, LoadRepository
from tandem_capacity.loads.service import CHECKS_REQUESTED
from tandem_capacity.people.repository import PersonRepository
from tandem_capacity.snapshots.repository import SnapshotRepository
from tandem_shared.contracts.change import ChangeApproved, ChangeCanceled, ChangeRescheduled
from tandem_shared.errors import InvalidTransition
from tandem_shared.events import build_envelope

from tests.unit.fakes import FakeUnitOfWork

MONDAY = datetime(2055, 1, 4, tzinfo=UTC)  # 2055-W01 (2055 shares 2027's calendar)
CREATED, MOVED, RELEASED = "capacity.booking.created.v1", "capacity.booking.moved.v1", "capacity.booking.released.v1"
REJECTED = "capacity.booking.rejected.v1"


class FakeBookings:
    """Bookings in a dict; `insert` keeps what a real insert would write, attached or not."""

    def __init__(self) -> None:
        self.bookings: dict[uuid.UUID, Booking] = {}
        self.inserted: list[tuple[dict[str, Any], list[dict[str, Any]], bool]] = []

    async def insert(self, row: dict[str, Any], week_rows: list[dict[str, Any]], *, attach: bool) -> Booking | None:
        self.inserted.append((row, week_rows, attach))
        booking = Booking(**row, weeks=[BookingWeek(**week) for week in week_rows])
        self.bookings[booking.id] = booking
        return booking if attach else None

    async def flush(self) -> None:
        pass

    async def get_or_404(self, booking_id: uuid.UUID) -> Booking:
        return self.bookings[booking_id]

    async def active_for_source(self, source: str, source_id: str) -> list[Booking]:
        return [b for b in self.bookings.values()
                if (b.source, b.source_id, b.status) == (source, source_id, "active")]


class FakeLoads:
    """Weekly loads per person, summed as the real upsert sums them."""

    def __init__(self) -> None:
        self.loads: dict[uuid.UUID, dict[str, float]] = {}
        self.calls = 0

    async def add_hours_many(self, deltas: Mapping[uuid.UUID, Iterable[tuple[str, float]]]) -> None:
        self.calls += 1
        for person_id, changes in deltas.items():
            load = self.loads.setdefault(person_id, {})
            for week, hours in changes:
                load[week] = round(load.get(week, 0.0) + hours, 2)


class FakeChecks:
    def __init__(self) -> None:
        self.noted: list[dict[uuid.UUID, str]] = []

    async def note(self, actors: Mapping[uuid.UUID, str]) -> None:
        self.noted.append(dict(actors))


class FakeSnapshots:
    def __init__(self) -> None:
        self.marked = 0

    async def mark_dirty(self) -> None:
        self.marked += 1


class FakePeople:
    def __init__(self, *known: uuid.UUID) -> None:
        self.known = set(known)

    async def exists(self, person_id: uuid.UUID) -> bool:
        return person_id in self.known

    async def get(self, person_id: uuid.UUID) -> None:
        assert person_id not in self.known, "only a rejection looks people up here, and only unknown ones"
        return None


def _unit(*people: uuid.UUID) -> tuple[FakeUnitOfWork, FakeBookings, FakeLoads, FakeChecks, FakeSnapshots]:
    bookings, loads, checks, snapshots = FakeBookings(), FakeLoads(), FakeChecks(), FakeSnapshots()
    uow = FakeUnitOfWork({BookingRepository: bookings, LoadRepository: loads, EpisodeCheckRepository: checks,
                          SnapshotRepository: snapshots, PersonRepository: FakePeople(*people)})
    return uow, bookings, loads, checks, snapshots


def _audits(uow: FakeUnitOfWork) -> list[tuple[str, str | None, str | None]]:
    return [(a["action"], a["from_state"], a["to_state"]) for a in uow.audits]


async def test_a_booking_is_added_confirmed_moved_and_released() -> None:
    ana, ben = uuid.uuid4(), uuid.uuid4()
    uow, _bookings, loads, checks, snapshots = _unit(ana, ben)

    booking = await service.book(uow, actor="rita", person_id=ana, source="project", source_id="p1", kind="soft",
                                 start=MONDAY, end=MONDAY + timedelta(days=5), hours=20)
    await service.confirm_booking(uow, actor="rita", booking=booking)
    await service.move_booking(uow, actor="rita", booking=booking, person_id=ben, start=MONDAY + timedelta(weeks=1),
                               end=MONDAY + timedelta(weeks=1, days=5), hours=30, reason="replanned")
    await service.release_booking(uow, actor="rita", booking=booking, reason="done")

    assert uow.event_types() == [CREATED, "capacity.booking.confirmed.v1", MOVED, RELEASED]
    assert all(event.subject == str(booking.id) for event in uow.events)
    moved = uow.events[2].data
    assert (moved["previous_person_id"], moved["person_id"]) == (str(ana), str(ben))
    assert [w["week"] for w in moved["previous_weeks"]] == ["2055-W01"] and moved["weeks"] == [
        {"week": "2055-W02", "hours": 30.0}]
    assert _audits(uow) == [("book", None, "active"), ("confirm", "soft", "hard"), ("move", "active", "active"),
                            ("release", "active", "released")]
    assert (booking.status, booking.release_reason, booking.kind, booking.person_id) == ("released", "done", "hard",
                                                                                         ben)
    assert [(w.week, w.hours) for w in booking.weeks] == [("2055-W02", 30.0)]

    # The weekly loads, the episode-check note and the snapshot mark wait for the commit, and run once each.
    assert not loads.calls and not checks.noted and not snapshots.marked
    await uow.commit()
    assert (loads.calls, snapshots.marked) == (1, 1)
    assert checks.noted == [{ana: "rita", ben: "rita"}] and CHECKS_REQUESTED in uow.signals
    # Booked on Ana, moved to Ben, released: both loads back at nothing.
    assert loads.loads == {ana: {"2055-W01": 0.0}, ben: {"2055-W02": 0.0}}

    with pytest.raises(InvalidTransition):
        await service.move_booking(uow, actor="rita", booking=booking, person_id=ana, start=MONDAY,
                                   end=MONDAY + timedelta(days=1), hours=1, reason="too late")


async def test_change_events_book_move_and_release_through_buffered_rows() -> None:
    """The consumer's path: an approval adds rows (no ORM objects), a reschedule moves, a cancel releases."""
    ana, ben, change = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    uow, bookings, loads, checks, snapshots = _unit(ana, ben)
    start = MONDAY + timedelta(hours=8)

    approved = ChangeApproved(id=change, type="normal", approved_by="cab", pre_authorised=False, assignee_id=ana,
                              effort_hours=6, planned_start=start, planned_end=start + timedelta(hours=4),
                              state="scheduled")
    await handlers.on_change_approved(uow, build_envelope(approved, actor="cab"), approved)
    await handlers.on_change_approved(uow, build_envelope(approved, actor="cab"), approved)  # re-sent: no-op
    [(row, week_rows, attached)] = bookings.inserted
    assert not attached and row["status"] == "active" and week_rows == [
        {"booking_id": row["id"], "week": "2055-W01", "hours": 6}]

    later = start + timedelta(weeks=1)
    rescheduled = ChangeRescheduled(
        id=change, type="normal", rescheduled_by="chris", state="scheduled", books_capacity=True,
        previous_start=start, previous_end=start + timedelta(hours=4), planned_start=later,
        planned_end=later + timedelta(hours=4), previous_assignee_id=ana, assignee_id=ben, effort_hours=8,
        reason=None)
    await handlers.on_change_rescheduled(uow, build_envelope(rescheduled, actor="chris"), rescheduled)
    canceled = ChangeCanceled(id=change, type="normal", canceled_by="chris", reason=None, from_state="scheduled",
                              was_approved=True)
    await handlers.on_change_canceled(uow, build_envelope(canceled, actor="chris"), canceled)
    await uow.commit()

    assert uow.event_types() == [CREATED, MOVED, RELEASED]
    assert _audits(uow) == [("book", None, "active"), ("move", "active", "active"), ("release", "active", "released")]
    booking = bookings.bookings[row["id"]]
    assert (booking.status, booking.release_reason, booking.person_id, booking.hours) == (
        "released", handlers.CHANGE_CANCELED, ben, 8)
    assert [(a["actor"], a["action"]) for a in uow.audits] == [("cab", "book"), ("chris", "move"),
                                                               ("chris", "release")]
    assert loads.calls == 1 and snapshots.marked == 1 and checks.noted == [{ana: "chris", ben: "chris"}]
    assert loads.loads == {ana: {"2055-W01": 0.0}, ben: {"2055-W02": 0.0}}


async def test_an_unknown_assignee_is_rejected_with_the_reason_and_a_reschedule_to_one_keeps_the_booking() -> None:
    ana, stranger = uuid.uuid4(), uuid.uuid4()
    uow, bookings, *_ = _unit(ana)
    approved = ChangeApproved(id=uuid.uuid4(), type="normal", approved_by="cab", pre_authorised=False,
                              assignee_id=stranger, effort_hours=2, planned_start=MONDAY,
                              planned_end=MONDAY + timedelta(hours=2), state="scheduled")
    await handlers.on_change_approved(uow, build_envelope(approved, actor="cab"), approved)
    assert not bookings.inserted and uow.event_types() == [REJECTED]
    assert uow.events[0].data | {"person_id": None} == {
        "source": "change", "source_id": str(approved.id), "person_id": None, "line_id": None, "team": None,
        "manager": None, "reason": f"assignee {stranger} is unknown to capacity"}
    assert [(a["action"], a["detail"]["reason"]) for a in uow.audits] == [
        ("reject_booking", f"assignee {stranger} is unknown to capacity")]

    # Booked for Ana, then moved to someone capacity does not know: refused the same way, Ana's booking stays.
    booked = approved.model_copy(update={"id": uuid.uuid4(), "assignee_id": ana})
    await handlers.on_change_approved(uow, build_envelope(booked, actor="cab"), booked)
    rescheduled = ChangeRescheduled(
        id=booked.id, type="normal", rescheduled_by="chris", state="scheduled", books_capacity=True,
        previous_start=MONDAY, previous_end=MONDAY + timedelta(hours=2), planned_start=MONDAY + timedelta(weeks=1),
        planned_end=MONDAY + timedelta(weeks=1, hours=2), previous_assignee_id=ana, assignee_id=stranger,
        effort_hours=2, reason=None)
    await handlers.on_change_rescheduled(uow, build_envelope(rescheduled, actor="chris"), rescheduled)
    assert uow.event_types() == [REJECTED, CREATED, REJECTED]
    assert uow.events[2].data["reason"] == f"assignee {stranger} is unknown to capacity"
    [booking] = bookings.bookings.values()
    assert (booking.person_id, booking.start, booking.status) == (ana, MONDAY, "active")
