"""Routes of change scheduling: conflicts, next free windows, the calendar (JSON and iCalendar)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BeforeValidator, WithJsonSchema
from tandem_shared.api import SessionDep
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.bounds import PlanDatetime
from tandem_shared.errors import PROBLEM_RESPONSES, ValidationProblem

from tandem_change.record.repository import ChangeRepository
from tandem_change.scheduling import service
from tandem_change.scheduling.calendar_range import DATE_OR_DATETIME, day_start, default_range
from tandem_change.scheduling.ics import calendar_ics
from tandem_change.scheduling.repository import BUSINESS_SERVICE, ScheduleRepository
from tandem_change.scheduling.schemas import CalendarRead, ConflictList, ConflictRead, NextWindowsRead

router = APIRouter(tags=["scheduling"], responses=PROBLEM_RESPONSES)
CHECKER_ROLES = ("requester", "change_manager", "project_manager", "service_owner", "cab_member")
MAX_CALENDAR_RANGE = timedelta(days=366)


def _conflict_list(change_id: uuid.UUID, rows: list[Any]) -> ConflictList:
    return ConflictList(change_id=change_id, items=[ConflictRead.model_validate(r) for r in rows])


@router.get("/changes/{change_id}/conflicts", response_model=ConflictList, summary="Schedule conflicts of a change",
            description="The conflicts the latest check found (checks run on create, and on reschedule and submit). "
            "They warn and do not block: same CI or a parent/child CI changed in an overlapping window, a "
            "blackout, outside the CIs' maintenance windows, or the assignee already booked in capacity.")
async def list_conflicts(change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> ConflictList:
    change = await ChangeRepository(session).get_or_404(change_id)
    return _conflict_list(change.id, await service.stored_conflicts(session, change))


@router.post("/changes/{change_id}/conflicts/check", response_model=ConflictList,
             dependencies=[require_roles(*CHECKER_ROLES)], summary="Re-run the conflict check of a change",
             description="Checks the change's planned window again against today's changes, blackouts, maintenance "
             "windows and bookings; replaces the stored conflicts and returns them.")
async def check_conflicts(change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> ConflictList:
    change = await ChangeRepository(session).get_or_404(change_id)
    await service.check_conflicts(session, change)
    return _conflict_list(change.id, await service.stored_conflicts(session, change))


@router.get("/changes/{change_id}/next-windows", response_model=NextWindowsRead,
            summary="Suggest the next free windows for a change",
            description="Windows of the change's planned duration within 90 days of `after` that are free of "
            "overlapping changes on the same and related CIs, blackouts and the assignee's bookings, and lie inside "
            "a maintenance window occurrence when the affected CIs have maintenance windows.")
async def next_windows(
    change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
    count: Annotated[int, Query(ge=1, le=50, description="How many windows to propose.")] = 5,
    after: Annotated[PlanDatetime | None, Query(
        description="Search from here; default: the later of now and the planned start, on a quarter hour.")] = None,
) -> NextWindowsRead:
    change = await ChangeRepository(session).get_or_404(change_id)
    return NextWindowsRead.model_validate(await service.suggest_windows(session, change, after=after, count=count))


async def _calendar_view(
    session: SessionDep, start: datetime | None, end: datetime | None, service_id: uuid.UUID | None,
    ci: uuid.UUID | None, team: str | None, limit: int,
) -> dict[str, Any]:
    start, end = default_range(start, end, now=datetime.now(UTC))
    if end <= start:
        raise ValidationProblem.field("to", "must be after from")
    if end - start > MAX_CALENDAR_RANGE:
        raise ValidationProblem.field("to", f"the range may span at most {MAX_CALENDAR_RANGE.days} days")
    known = await ScheduleRepository(session).ci_info({c for c in (service_id, ci) if c})
    if service_id is not None and known.get(service_id, ("", ""))[1] != BUSINESS_SERVICE:
        raise ValidationProblem.field("service", f"no business service CI {service_id}")
    if ci is not None and ci not in known:
        raise ValidationProblem.field("ci", f"no CI {ci}")
    return await service.calendar(session, start=start, end=end, service=service_id, ci=ci, team=team, limit=limit)


RANGE_NOTE = "A date-time with an offset, or a date (its start in UTC)"
From = Annotated[PlanDatetime | None, BeforeValidator(day_start), WithJsonSchema(DATE_OR_DATETIME), Query(
    alias="from", description=f"Start of the range (inclusive). {RANGE_NOTE}; default: 30 days ago.")]
To = Annotated[PlanDatetime | None, BeforeValidator(day_start), WithJsonSchema(DATE_OR_DATETIME), Query(
    alias="to", description=f"End of the range (exclusive), at most 366 days after from. {RANGE_NOTE}; default: "
    "180 days from now (210 days after from when only from is given).")]
ServiceFilter = Annotated[uuid.UUID | None, Query(
    alias="service",
    description="A business service CI: changes on CIs that support it, its blackouts and global ones.")]
CiFilter = Annotated[uuid.UUID | None, Query(
    description="A CI: changes on it, blackouts on it, on the services it supports, and global ones.")]
TeamFilter = Annotated[str | None, Query(max_length=100, description="Only changes whose assignee is in this team.")]
Limit = Annotated[int, Query(ge=1, le=5000, description="At most this many changes (`truncated` says when cut).")]


@router.get("/calendar", response_model=CalendarRead, summary="The change calendar",
            description="Changes in authorize, scheduled, implement, review or closed whose window overlaps the range, "
            "each with its state, and the blackout windows overlapping it. Filters combine.")
async def calendar(session: SessionDep, _actor: CurrentActor, start: From = None, end: To = None,
                   service_id: ServiceFilter = None, ci: CiFilter = None, team: TeamFilter = None,
                   limit: Limit = 1000) -> CalendarRead:
    return CalendarRead.model_validate(await _calendar_view(session, start, end, service_id, ci, team, limit))


@router.get("/calendar.ics", summary="The change calendar as iCalendar (RFC 5545)",
            description="The same events as GET /calendar with the same filters: a VEVENT per change (CONFIRMED from "
            "scheduled on, TENTATIVE while in authorize) and per blackout window (TRANSP OPAQUE), times in UTC.",
            response_class=Response,
            responses={200: {"content": {"text/calendar": {}}, "description": "A VCALENDAR."}})
async def get_calendar_ics(request: Request, session: SessionDep, _actor: CurrentActor, start: From = None,
                           end: To = None, service_id: ServiceFilter = None, ci: CiFilter = None,
                           team: TeamFilter = None, limit: Limit = 1000) -> Response:
    return await ics_response(request, session, start, end, service_id, ci, team, limit)


async def ics_response(request: Request, session: SessionDep, start: datetime | None, end: datetime | None,
                       service_id: uuid.UUID | None, ci: uuid.UUID | None, team: str | None, limit: int) -> Response:
    """The calendar as a text/calendar response (also served to subscribers through their feed URL)."""
    view = await _calendar_view(session, start, end, service_id, ci, team, limit)
    body = calendar_ics(view, change_url=lambda cid: str(request.url_for("get_change", change_id=cid)),
                        stamp=datetime.now(UTC))
    return Response(body, media_type="text/calendar; charset=utf-8")
