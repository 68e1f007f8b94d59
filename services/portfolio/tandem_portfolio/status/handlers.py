"""Capacity's events kept for the resources dimension: people's names, project bookings, over-allocations.

Each handler takes (uow, event, data) and is idempotent under re-delivery: a booking once released stays released
and an episode once cleared stays cleared, whatever arrives again later.
"""

from __future__ import annotations

import uuid

from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingMoved,
    BookingReleased,
    PersonCreated,
    PersonOverallocated,
    PersonOverallocationCleared,
    WeekHours,
)
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.status.projection import Overallocation, ProjectBooking
from tandem_portfolio.status.repository import CapacityProjection


def _project_id(source: str, source_id: str) -> uuid.UUID | None:
    """The project a booking is for; None for other sources or ids that are not portfolio's."""
    if source != "project":
        return None
    try:
        return uuid.UUID(source_id)
    except ValueError:
        return None


def _weeks(weeks: list[WeekHours]) -> tuple[str, str] | None:
    names = [w.week for w in weeks if w.hours > 0] or [w.week for w in weeks]
    return (min(names), max(names)) if names else None


async def on_person_created(uow: UnitOfWork, event: CloudEvent, data: PersonCreated) -> None:
    """Remember a person's name and team."""
    await uow.repo(CapacityProjection).remember_person(data.id, name=data.name, team=data.team)


async def _keep_booking(uow: UnitOfWork, booking_id: uuid.UUID, project_id: uuid.UUID | None,
                        person_id: uuid.UUID, weeks: list[WeekHours], hours: float) -> None:
    projection = uow.repo(CapacityProjection)
    known = await projection.booking(booking_id)
    span = _weeks(weeks)
    if project_id is None or span is None:
        if known is not None:  # moved off the project, or to no weeks: it no longer books anyone on it
            known.released = True
        return
    if known is None:
        projection.add_booking(ProjectBooking(booking_id=booking_id, project_id=project_id, person_id=person_id,
                                              first_week=span[0], last_week=span[1], hours=hours, released=False))
        return
    known.project_id, known.person_id, known.hours = project_id, person_id, hours
    known.first_week, known.last_week = span


async def on_booking_created(uow: UnitOfWork, event: CloudEvent, data: BookingCreated) -> None:
    """Keep a project booking (a re-sent creation refreshes it and leaves a release in place)."""
    await _keep_booking(uow, data.id, _project_id(data.source, data.source_id), data.person_id, data.weeks,
                        data.hours)


async def on_booking_moved(uow: UnitOfWork, event: CloudEvent, data: BookingMoved) -> None:
    """Follow a project booking to its new person, weeks and hours."""
    await _keep_booking(uow, data.id, _project_id(data.source, data.source_id), data.person_id, data.weeks,
                        data.hours)


async def on_booking_released(uow: UnitOfWork, event: CloudEvent, data: BookingReleased) -> None:
    """A released booking books nobody on the project any more."""
    project_id = _project_id(data.source, data.source_id)
    if project_id is None:
        return
    projection = uow.repo(CapacityProjection)
    known = await projection.booking(data.id)
    if known is None:  # released before its creation reached us: remember it released
        span = _weeks(data.weeks) or ("", "")
        projection.add_booking(ProjectBooking(booking_id=data.id, project_id=project_id, person_id=data.person_id,
                                              first_week=span[0], last_week=span[1], hours=data.hours, released=True))
        return
    known.released = True


async def _keep_episode(uow: UnitOfWork, data: PersonOverallocated | PersonOverallocationCleared, *,
                        open_: bool) -> None:
    projection = uow.repo(CapacityProjection)
    known = await projection.episode(data.episode_id)
    if known is None:
        projection.add_episode(Overallocation(
            episode_id=data.episode_id, person_id=data.person_id, team=data.team, first_week=data.first_week,
            last_week=data.last_week, peak_utilisation=data.peak_utilisation, open=open_))
        return
    known.team, known.last_week = data.team, max(known.last_week, data.last_week)
    known.peak_utilisation = max(known.peak_utilisation, data.peak_utilisation)
    known.open = known.open and open_


async def on_person_overallocated(uow: UnitOfWork, event: CloudEvent, data: PersonOverallocated) -> None:
    """An over-allocation episode began."""
    await _keep_episode(uow, data, open_=True)


async def on_overallocation_cleared(uow: UnitOfWork, event: CloudEvent, data: PersonOverallocationCleared) -> None:
    """An over-allocation episode ended."""
    await _keep_episode(uow, data, open_=False)
