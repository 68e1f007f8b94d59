"""Routes of supply: person updates, working schedules, time off, holidays and availability."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from tandem_shared.api import PageDep, SessionDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.bounds import PlanDate
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_capacity.availability.repository import HolidayRepository, ScheduleRepository, TimeOffRepository
from tandem_capacity.bookings.rules import report_weeks
from tandem_capacity.bookings.schemas import DateOrDatetime
from tandem_capacity.people import service as core
from tandem_capacity.people.schemas import PersonRead
from tandem_capacity.supply import service
from tandem_capacity.supply.schemas import (
    Availability,
    HolidayImport,
    HolidayPage,
    HolidayRead,
    ImportResult,
    PersonUpdate,
    ScheduleIn,
    Schedules,
    TimeOffCreate,
    TimeOffPage,
    TimeOffRead,
)

router = APIRouter(responses=PROBLEM_RESPONSES)
WRITERS = [require_roles("resource_manager")]


@router.patch("/people/{person_id}", response_model=PersonRead, tags=["people"], dependencies=WRITERS,
              summary="Change a person's team, hours, location, cost rate or skills (If-Match honoured)")
async def update_person(person_id: uuid.UUID, body: PersonUpdate, request: Request, session: SessionDep,
                        actor: CurrentActor, response: Response) -> PersonRead:
    person = await core.get_person(session, person_id)
    check_if_match(request, person.version)
    updated = await service.update_person(session, actor=actor, person=person, body=body)
    response.headers["ETag"] = etag(updated.version)
    return PersonRead.model_validate(updated)


@router.get("/people/{person_id}/history", response_model=AuditPage, tags=["people"],
            summary="Who changed a person (fields, schedules, time off)", description=HISTORY_DESCRIPTION)
async def person_history(person_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await core.get_person(session, person_id)
    return await audit_page(session, "person", person_id, page)


@router.get("/people/{person_id}/schedules", response_model=Schedules, tags=["supply"],
            summary="A person's working schedules, oldest first")
async def get_schedules(person_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> Schedules:
    await core.get_person(session, person_id)
    rows = await ScheduleRepository(session).of_person(person_id)
    return Schedules(schedules=[ScheduleIn.model_validate(r) for r in rows])


@router.put("/people/{person_id}/schedules", response_model=Schedules, tags=["supply"], dependencies=WRITERS,
            summary="Replace a person's working schedules")
async def put_schedules(person_id: uuid.UUID, body: Schedules, session: SessionDep, actor: CurrentActor) -> Schedules:
    person = await core.get_person(session, person_id)
    await service.replace_schedules(session, actor=actor, person=person,
                                    schedules=[s.model_dump() for s in body.schedules])
    return body


@router.get("/people/{person_id}/availability", response_model=Availability, tags=["supply"],
            summary="A person's available hours per ISO week")
async def get_availability(
    person_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
    from_: Annotated[DateOrDatetime | None, Query(alias="from", description="A day in the first week.")] = None,
    to: Annotated[DateOrDatetime | None, Query(description="A day in the last week (at most 104 weeks).")] = None,
) -> Availability:
    weeks = report_weeks(from_, to, datetime.now(UTC).date())
    person = await core.get_person(session, person_id)
    rows = await service.availability(session, person, weeks[0][1], weeks[-1][1])
    return Availability(person_id=person.id, weeks=rows)


@router.post("/people/{person_id}/time-off", status_code=status.HTTP_201_CREATED, response_model=TimeOffRead,
             tags=["supply"], dependencies=WRITERS, summary="Record time off of a person")
async def add_time_off(person_id: uuid.UUID, body: TimeOffCreate, session: SessionDep,
                       actor: CurrentActor) -> TimeOffRead:
    person = await core.get_person(session, person_id)
    return TimeOffRead.model_validate(await service.add_time_off(session, actor=actor, person=person, body=body))


@router.get("/people/{person_id}/time-off", response_model=TimeOffPage, tags=["supply"],
            summary="A person's time off by start")
async def list_time_off(person_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                        page: PageDep) -> TimeOffPage:
    await core.get_person(session, person_id)
    rows, cursor = await TimeOffRepository(session).page_for_person(person_id, page)
    return TimeOffPage(items=[TimeOffRead.model_validate(t) for t in rows], next_cursor=cursor, limit=page.limit)


@router.post("/people/{person_id}/time-off/{time_off_id}/approve", response_model=TimeOffRead, tags=["supply"],
             dependencies=WRITERS, summary="Approve requested time off")
async def approve_time_off(person_id: uuid.UUID, time_off_id: uuid.UUID, session: SessionDep,
                           actor: CurrentActor) -> TimeOffRead:
    person = await core.get_person(session, person_id)
    entry = await service.approve_time_off(session, actor=actor, person=person, time_off_id=time_off_id)
    return TimeOffRead.model_validate(entry)


@router.delete("/people/{person_id}/time-off/{time_off_id}", status_code=status.HTTP_204_NO_CONTENT,
               tags=["supply"], dependencies=WRITERS, summary="Remove time off")
async def delete_time_off(person_id: uuid.UUID, time_off_id: uuid.UUID, session: SessionDep,
                          actor: CurrentActor) -> Response:
    person = await core.get_person(session, person_id)
    await service.delete_time_off(session, actor=actor, person=person, time_off_id=time_off_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/holidays", response_model=ImportResult, tags=["supply"], dependencies=WRITERS,
             summary="Add public holidays (one or a list); a known location and date is renamed")
async def import_holidays(body: HolidayImport, session: SessionDep, actor: CurrentActor) -> ImportResult:
    created, updated = await service.import_holidays(session, actor=actor, holidays=body.holidays)
    return ImportResult(created=created, updated=updated)


@router.get("/holidays", response_model=HolidayPage, tags=["supply"], summary="List public holidays by date")
async def list_holidays(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    location: Annotated[str | None, Query(description="Only this location.")] = None,
    from_: Annotated[PlanDate | None, Query(alias="from", description="On or after this day.")] = None,
    to: Annotated[PlanDate | None, Query(description="On or before this day.")] = None,
) -> HolidayPage:
    rows, cursor = await HolidayRepository(session).page(page, location=location, first=from_, last=to)
    return HolidayPage(items=[HolidayRead.model_validate(h) for h in rows], next_cursor=cursor, limit=page.limit)


@router.delete("/holidays/{holiday_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["supply"],
               dependencies=WRITERS, summary="Remove a public holiday")
async def delete_holiday(holiday_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    await service.delete_holiday(session, actor=actor, holiday_id=holiday_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
