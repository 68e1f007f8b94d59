"""Routes of /capacity/v1."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from tandem_shared.api import PageDep, SessionDep, UTCDatetime, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES, ValidationProblem

from tandem_capacity import service
from tandem_capacity.domain.allocation import report_weeks
from tandem_capacity.repository import BookingRepository, PersonRepository
from tandem_capacity.schemas import (
    BookingPage,
    BookingRead,
    DateOrDatetime,
    PersonCreate,
    PersonPage,
    PersonRead,
    Utilisation,
    UtilisationWeek,
)

router = APIRouter(responses=PROBLEM_RESPONSES)
WRITER_ROLES = ("resource_manager",)


@router.post("/people", status_code=status.HTTP_201_CREATED, response_model=PersonRead, tags=["people"],
             dependencies=[require_roles(*WRITER_ROLES)], summary="Add a person to the capacity pool")
async def create_person(body: PersonCreate, session: SessionDep, actor: CurrentActor, response: Response) -> PersonRead:
    person = await service.create_person(session, actor=actor, body=body)
    response.headers["Location"] = f"/capacity/v1/people/{person.id}"
    return PersonRead.model_validate(person)


@router.get("/people", response_model=PersonPage, tags=["people"], summary="List people by name")
async def list_people(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    team: Annotated[str | None, Query(max_length=100, description="Exact team name.")] = None,
    skill: Annotated[str | None, Query(max_length=100, description="People with this skill (any case).")] = None,
) -> PersonPage:
    rows, cursor = await PersonRepository(session).page(page, team=team, skill=skill)
    return PersonPage(items=[PersonRead.model_validate(p) for p in rows], next_cursor=cursor, limit=page.limit)


@router.get("/people/{person_id}", response_model=PersonRead, tags=["people"], summary="Read a person")
async def get_person(person_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, response: Response) -> PersonRead:
    person = await service.get_person(session, person_id)
    response.headers["ETag"] = etag(person.version)
    return PersonRead.model_validate(person)


@router.get("/people/{person_id}/bookings", response_model=BookingPage, tags=["bookings"],
            summary="A person's bookings overlapping a window, by start")
async def list_person_bookings(
    person_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, page: PageDep,
    from_: Annotated[UTCDatetime | None, Query(alias="from", description="Bookings ending after this.")] = None,
    to: Annotated[UTCDatetime | None, Query(description="Bookings starting before this.")] = None,
    status: Literal["active", "released", "all"] = "active",
) -> BookingPage:
    if from_ is not None and to is not None and to < from_:
        raise ValidationProblem.field("to", "must not be before from")
    await PersonRepository(session).exists_or_404(person_id)
    rows, cursor = await BookingRepository(session).page_for_person(
        person_id, page, start=from_, end=to, status=None if status == "all" else status)
    return BookingPage(items=[BookingRead.model_validate(b) for b in rows], next_cursor=cursor, limit=page.limit)


@router.get("/people/{person_id}/utilisation", response_model=Utilisation, tags=["bookings"],
            summary="A person's booked against available hours per ISO week")
async def person_utilisation(
    person_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
    from_: Annotated[DateOrDatetime | None, Query(
        alias="from", description="A date or aware datetime in the first week; default: the current week.")] = None,
    to: Annotated[DateOrDatetime | None, Query(
        description="A date or aware datetime in the last week (at most 104 weeks); default: from + 11 weeks.")] = None,
) -> Utilisation:
    weeks = report_weeks(from_, to, datetime.now(UTC).date())
    person = await service.get_person(session, person_id)
    rows = await service.utilisation(session, person, weeks)
    return Utilisation(person_id=person.id, weekly_hours=person.weekly_hours,
                       weeks=[UtilisationWeek.model_validate(row) for row in rows])


@router.get("/bookings/{booking_id}", response_model=BookingRead, tags=["bookings"], summary="Read a booking")
async def get_booking(booking_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                      response: Response) -> BookingRead:
    booking = await service.get_booking(session, booking_id)
    response.headers["ETag"] = etag(booking.version)
    return BookingRead.model_validate(booking)
