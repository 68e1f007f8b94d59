"""Routes of /capacity/v1/bookings: list, book by hand, confirm, move, release."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request, Response, status
from tandem_shared.api import PageDep, SessionDep, UTCDatetime, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES, ValidationProblem

from tandem_capacity import service
from tandem_capacity.bookings.schemas import BookingCreate, BookingMove, BookingRelease, _check_window
from tandem_capacity.repository import BookingRepository, PersonRepository
from tandem_capacity.schemas import BookingPage, BookingRead, Kind, Source

router = APIRouter(tags=["bookings"], responses=PROBLEM_RESPONSES)
BOOKER_ROLES = ("resource_manager", "project_manager")


def _read(booking, response: Response) -> BookingRead:  # noqa: ANN001 - a Booking
    response.headers["ETag"] = etag(booking.version)
    return BookingRead.model_validate(booking)


async def _known_person(session, person_id: uuid.UUID) -> None:  # noqa: ANN001
    if not await PersonRepository(session).exists(person_id):
        raise ValidationProblem.field("person_id", f"no person with id {person_id}")


@router.post("/bookings", status_code=status.HTTP_201_CREATED, response_model=BookingRead,
             dependencies=[require_roles(*BOOKER_ROLES)], summary="Book a person's hours by hand",
             description="Spreads the hours over the ISO weeks of the window in proportion to time.")
async def create_booking(body: BookingCreate, session: SessionDep, actor: CurrentActor,
                         response: Response) -> BookingRead:
    await _known_person(session, body.person_id)
    booking = await service.book(
        session, actor=actor.sub, person_id=body.person_id, source=body.source, source_id=body.source_id,
        kind=body.kind, start=body.start, end=body.end, hours=body.hours, skill=body.skill, role=body.role)
    await session.flush()
    response.headers["Location"] = f"/capacity/v1/bookings/{booking.id}"
    return _read(booking, response)


@router.get("/bookings", response_model=BookingPage, summary="List bookings by start",
            description="Filtered by person, source, kind and status; `from`/`to` keep bookings overlapping them.")
async def list_bookings(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
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
    rows, cursor = await BookingRepository(session).page(
        page, person_id=person_id, source=source, source_id=source_id, kind=kind,
        status=None if status == "all" else status, start=from_, end=to)
    return BookingPage(items=[BookingRead.model_validate(b) for b in rows], next_cursor=cursor, limit=page.limit)


@router.post("/bookings/{booking_id}/confirm", response_model=BookingRead, dependencies=[require_roles(*BOOKER_ROLES)],
             summary="Confirm a soft booking (soft → hard)")
async def confirm_booking(booking_id: uuid.UUID, request: Request, session: SessionDep, actor: CurrentActor,
                          response: Response) -> BookingRead:
    booking = await service.get_booking(session, booking_id)
    check_if_match(request, booking.version)
    return _read(await service.confirm_booking(session, actor=actor.sub, booking=booking), response)


@router.post("/bookings/{booking_id}/move", response_model=BookingRead, dependencies=[require_roles(*BOOKER_ROLES)],
             summary="Move a booking to another window, person or number of hours",
             description="Rebuilds its weeks and publishes `capacity.booking.moved.v1` with old and new weeks.")
async def move_booking(booking_id: uuid.UUID, body: BookingMove, request: Request, session: SessionDep,
                       actor: CurrentActor, response: Response) -> BookingRead:
    booking = await service.get_booking(session, booking_id)
    check_if_match(request, booking.version)
    start, end = body.start or booking.start, body.end or booking.end
    try:
        _check_window(start, end)
    except ValueError as exc:
        raise ValidationProblem.field("end", str(exc)) from exc
    if body.person_id is not None:
        await _known_person(session, body.person_id)
    moved = await service.move_booking(
        session, actor=actor.sub, booking=booking, person_id=body.person_id or booking.person_id, start=start,
        end=end, hours=booking.hours if body.hours is None else body.hours, reason=body.reason)
    return _read(moved, response)


@router.post("/bookings/{booking_id}/release", response_model=BookingRead,
             dependencies=[require_roles(*BOOKER_ROLES)], summary="Release a booking; its hours are free again")
async def release_booking(booking_id: uuid.UUID, request: Request, session: SessionDep, actor: CurrentActor,
                          response: Response, body: Annotated[BookingRelease | None, Body()] = None) -> BookingRead:
    booking = await service.get_booking(session, booking_id)
    check_if_match(request, booking.version)
    reason = (body or BookingRelease()).reason
    return _read(await service.release_booking(session, actor=actor.sub, booking=booking, reason=reason), response)
