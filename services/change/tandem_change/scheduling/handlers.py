"""Capacity's booking events kept as the known_bookings projection (assignee availability), and portfolio's go-live
milestones as the project_go_lives projection (go-live freezes).

Each booking's events share a partition, so they arrive in order; the inbox skips redeliveries. What is left —
a dead letter replayed after later events, a creation re-sent after a move — is settled by the event's time
(an older creation or move changes nothing) and by release being final. A project's milestone events share its
partition; the same rules hold for go-lives (an older announcement changes nothing, a canceled go-live stays so).
"""

from __future__ import annotations

from tandem_shared.contracts.capacity import BookingCreated, BookingMoved, BookingReleased
from tandem_shared.contracts.portfolio import (
    GoLiveScheduled,
    MilestoneCompleted,
    MilestoneForecastChanged,
    ProjectTerminated,
)
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_change.scheduling import service


async def on_booking_created(uow: UnitOfWork, event: CloudEvent, data: BookingCreated) -> None:
    """Remember when the person is booked; a re-sent creation refreshes the same row."""
    await service.record_booking(uow.session, booking_id=data.id, person_id=data.person_id, source=data.source,
                                 source_id=data.source_id, start=data.start, end=data.end, hours=data.hours,
                                 as_of=event.time)


async def on_booking_moved(uow: UnitOfWork, event: CloudEvent, data: BookingMoved) -> None:
    """The booking's new person, window and hours replace the old (a move never seen created creates the row)."""
    await service.record_booking(uow.session, booking_id=data.id, person_id=data.person_id, source=data.source,
                                 source_id=data.source_id, start=data.start, end=data.end, hours=data.hours,
                                 as_of=event.time)


async def on_booking_released(uow: UnitOfWork, event: CloudEvent, data: BookingReleased) -> None:
    """The person's hours are free again."""
    await service.release_booking(uow.session, booking_id=data.id, person_id=data.person_id, source=data.source,
                                  source_id=data.source_id, hours=data.hours, as_of=event.time)


async def on_go_live_scheduled(uow: UnitOfWork, event: CloudEvent, data: GoLiveScheduled) -> None:
    """A project's go-live window, or what it touches, was set or moved: its freeze follows."""
    await service.schedule_go_live(uow.session, milestone_id=data.milestone_id, project_id=data.project_id,
                                   name=data.name, start=data.window_start, end=data.window_end,
                                   service_ids=data.service_ids, ci_ids=data.ci_ids, as_of=event.time)


async def on_milestone_forecast_changed(uow: UnitOfWork, event: CloudEvent, data: MilestoneForecastChanged) -> None:
    """A go-live's forecast date moved (its window moves with its own event); other milestones are not kept."""
    if data.kind == "go_live":
        await service.go_live_forecast_moved(uow.session, milestone_id=data.id, name=data.name,
                                             forecast=data.forecast_date, as_of=event.time)


async def on_milestone_completed(uow: UnitOfWork, event: CloudEvent, data: MilestoneCompleted) -> None:
    """A go-live was reached: its freeze ends."""
    if data.kind == "go_live":
        await service.go_live_completed(uow.session, milestone_id=data.id, actual=data.actual_date,
                                        as_of=event.time)


async def on_project_terminated(uow: UnitOfWork, event: CloudEvent, data: ProjectTerminated) -> None:
    """A terminated project goes live nowhere: its go-lives' freezes end."""
    await service.project_ended(uow.session, project_id=data.id, as_of=event.time)
