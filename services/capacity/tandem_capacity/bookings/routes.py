"""Routes of bookings: list, read, book by hand, confirm, move, release; a person's bookings and utilisation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, UTCDatetime, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES, ValidationProblem
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page
from tandem_shared.uow import UnitOfWork

from tandem_capacity.bookings import service
from tandem_capacity.bookings.models import Booking
from tandem_capacity.bookings.repository import BookingRepository
from tandem_capacity.bookings.rules import report_weeks
from tandem_capacity.bookings.schemas import (
    BookingCreate,
    BookingMove,
    BookingPage,
    BookingRead,
    BookingRelease,
    DateOrDatetime,
    Kind,
    Source,
    Utilisation,
    UtilisationWeek,
    _check_window,
)
from tandem_capacity.people.repository import PersonRepository

router = APIRouter(tags=["bookings"], responses=PROBLEM_RESPONSES)
BOOKER_ROLES = ("resource_manager", "project_manager")
OWNED = ("A project manager acts only on the bookings they made (`booked_by`; 403 otherwise); resource managers on "
         "every booking.")


def _read(booking: Booking, response: Response) -> BookingRead:
    response.headers["ETag"] = etag(booking.version)
    return BookingRead.model_validate(booking)


async def _known_person(uow: UnitOfWork, person_id: uuid.UUID) -> None:
    if not await uow.repo(PersonRepository).exists(person_id):
        raise ValidationProblem.field("person_id", f"no person with id {person_id}")


@router.get("/people/{person_id}/bookings", response_model=BookingPage,
            summary="A person's bookings overlapping a window, by start")
async def list_person_bookings(
    person_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    from_: Annotated[UTCDatetime | None, Query(alias="from", description="Bookings ending after this.")] = None,
    to: Annotated[UTCDatetime | None, Query(description="Bookings starting before this.")] = None,
    status: Literal["active", "released", "all"] = "active",
) -> BookingPage:
    if from_ is not None and to is not None and to < from_:
        raise ValidationProblem.field("to", "must not be before from")
    await uow.repo(PersonRepository).exists_or_404(person_id)
    rows, cursor = await uow.repo(BookingRepository).page_for_person(
        person_id, page, start=from_, end=to, status=None if status == "all" else status)
    return BookingPage(items=[BookingRead.model_validate(b) for b in rows], next_cursor=cursor, limit=page.limit)


@router.get("/people/{person_id}/utilisation", response_model=Utilisation,
            summary="A person's booked against available hours per ISO week")
async def person_utilisation(
    person_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
    from_: Annotated[DateOrDatetime | None, Query(
        alias="from", description="A date or aware datetime in the first week; default: the current week.")] = None,
    to: Annotated[DateOrDatetime | None, Query(
        description="A date or aware datetime in the last week (at most 104 weeks); default: from + 11 weeks.")] = None,
) -> Utilisation:
    weeks = report_weeks(from_, to, datetime.now(UTC).date())
    person = await uow.repo(PersonRepository).get_or_404(person_id)
    rows = await service.utilisation(uow, person, weeks)
    return Utilisation(person_id=person.id, weekly_hours=person.weekly_hours,
                       weeks=[UtilisationWeek.model_validate(row) for row in rows])


@router.get("/bookings/{booking_id}", response_model=BookingRead, summary="Read a booking")
async def get_booking(booking_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                      response: Response) -> BookingRead:
    return _read(await service.get_booking(uow, booking_id), response)


@router.post("/bookings", status_code=status.HTTP_201_CREATED, response_model=BookingRead,
             dependencies=[require_roles(*BOOKER_ROLES)], summary="Book a person's hours by hand",
             description="Spreads the hours over the ISO weeks of the window in proportion to time.")
async def create_booking(body: BookingCreate, uow: UnitOfWorkDep, actor: CurrentActor,
                         response: Response) -> BookingRead:
    await _known_person(uow, body.person_id)
    booking = await service.book(
        uow, actor=actor.sub, person_id=body.person_id, source=body.source, source_id=body.source_id,
        kind=body.kind, start=body.start, end=body.end, hours=body.hours, skill=body.skill, role=body.role)
    await uow.repo(BookingRepository).flush()
    response.headers["Location"] = location("/capacity/v1/bookings/{}", booking.id)
    return _read(booking, response)


@router.get("/bookings", response_model=BookingPage, summary="List bookings by start",
            description="Filtered by person, source, kind and status; `from`/`to` keep bookings overlapping them.")
async def list_bookings(
    uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    person_id: uuid.UUID | None = None,
    source: Source | None = None,
    source_id: Annotated[str | None, Query(max_length=100, description="Id of the project, change or item.")] = None,
    kind: Kind | None = None,
    from_: Annotated[UTCDatetime | None, Query(alias="from", description="Bookings ending after this.")] = None,
    to: Annotated[UTCDatetime | None, Query(description="Bookings starting before this.")] = None,
    status: Literal["active", "released", "all"] = "active",
) -> BookingPage:
    if from_ is not None and to is not None and to < from_:
        raise ValidationProblem.field("to", "must not be before from")
    rows, cursor = await uow.repo(BookingRepository).page(
        page, person_id=person_id, source=source, source_id=source_id, kind=kind,
        status=None if status == "all" else status, start=from_, end=to)
    return BookingPage(items=[BookingRead.model_validate(b) for b in rows], next_cursor=cursor, limit=page.limit)


@router.get("/bookings/{booking_id}/history", response_model=AuditPage,
            summary="Who booked, confirmed, moved and released a booking", description=HISTORY_DESCRIPTION)
async def booking_history(booking_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await uow.repo(BookingRepository).exists_or_404(booking_id)
    return await audit_page(uow.session, "booking", booking_id, page)


@router.post("/bookings/{booking_id}/confirm", response_model=BookingRead, dependencies=[require_roles(*BOOKER_ROLES)],
             summary="Confirm a soft booking (soft → hard)", description=OWNED)
async def confirm_booking(booking_id: uuid.UUID, request: Request, uow: UnitOfWorkDep, actor: CurrentActor,
                          response: Response) -> BookingRead:
    booking = await service.booking_to_change(uow, actor=actor, booking_id=booking_id, action="confirm")
    check_if_match(request, booking.version)
    return _read(await service.confirm_booking(uow, actor=actor.sub, booking=booking), response)


@router.post("/bookings/{booking_id}/move", response_model=BookingRead, dependencies=[require_roles(*BOOKER_ROLES)],
             summary="Move a booking to another window, person or number of hours",
             description="Rebuilds its weeks and publishes `capacity.booking.moved.v1` with old and new weeks. "
             + OWNED)
async def move_booking(booking_id: uuid.UUID, body: BookingMove, request: Request, uow: UnitOfWorkDep,
                       actor: CurrentActor, response: Response) -> BookingRead:
    booking = await service.booking_to_change(uow, actor=actor, booking_id=booking_id, action="move")
    check_if_match(request, booking.version)
    start, end = body.start or booking.start, body.end or booking.end
    try:
        _check_window(start, end)
    except ValueError as exc:
        raise ValidationProblem.field("end", str(exc)) from exc
    if body.person_id is not None:
        await _known_person(uow, body.person_id)
    moved = await service.move_booking_by_hand(
        uow, actor=actor.sub, booking=booking, person_id=body.person_id or booking.person_id, start=start,
        end=end, hours=booking.hours if body.hours is None else body.hours, reason=body.reason)
    return _read(moved, response)


@router.post("/bookings/{booking_id}/release", response_model=BookingRead,
             dependencies=[require_roles(*BOOKER_ROLES)], summary="Release a booking; its hours are free again",
             description=OWNED)
async def release_booking(booking_id: uuid.UUID, request: Request, uow: UnitOfWorkDep, actor: CurrentActor,
                          response: Response, body: Annotated[BookingRelease | None, Body()] = None) -> BookingRead:
    booking = await service.booking_to_change(uow, actor=actor, booking_id=booking_id, action="release")
    check_if_match(request, booking.version)
    reason = (body or BookingRelease()).reason
    released = await service.release_booking_by_hand(uow, actor=actor.sub, booking=booking, reason=reason)
    return _read(released, response)
