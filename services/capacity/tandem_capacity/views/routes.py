"""Routes of the views: team and skill utilisation, heatmap (JSON and CSV), alerts, resource finder."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from tandem_shared.api import PageDep, PageParams, SessionDep, decode_cursor
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES, NotFound

from tandem_capacity.bookings.rules import report_weeks
from tandem_capacity.bookings.schemas import DateOrDatetime
from tandem_capacity.episodes.repository import EpisodeRepository
from tandem_capacity.people.repository import SkillRepository
from tandem_capacity.people.service import get_team
from tandem_capacity.views import service
from tandem_capacity.views.repository import PersonFilter
from tandem_capacity.views.schemas import EpisodePage, EpisodeRead, FinderResult, GroupUtilisation, Heatmap

router = APIRouter(responses=PROBLEM_RESPONSES)
HEATMAP_MAX = 5000

FromQ = Annotated[DateOrDatetime | None, Query(
    alias="from", description="A day in the first week; default: this week.")]
ToQ = Annotated[DateOrDatetime | None, Query(description="A day in the last week (at most 104 weeks); default: "
                                                          "from + 11 weeks.")]
Proficiency = Annotated[int, Query(ge=1, le=5, description="Lowest proficiency of the skill that counts.")]


def _weeks(from_: DateOrDatetime | None, to: DateOrDatetime | None) -> list:
    return report_weeks(from_, to, datetime.now(UTC).date())


@router.get("/teams/{team}/utilisation", response_model=GroupUtilisation, tags=["views"],
            summary="A team's available and booked hours per ISO week")
async def team_utilisation(team: str, session: SessionDep, _actor: CurrentActor, from_: FromQ = None,
                           to: ToQ = None) -> GroupUtilisation:
    weeks = _weeks(from_, to)
    await get_team(session, team)
    people, rows = await service.group_utilisation(session, PersonFilter(team=team), weeks)
    return GroupUtilisation(team=team, people=people, weeks=rows)


@router.get("/skills/{skill}/utilisation", response_model=GroupUtilisation, tags=["views"],
            summary="Available and booked hours per ISO week of the people holding a skill")
async def skill_utilisation(skill: str, session: SessionDep, _actor: CurrentActor, from_: FromQ = None,
                            to: ToQ = None, min_proficiency: Proficiency = 1) -> GroupUtilisation:
    weeks = _weeks(from_, to)
    found = await SkillRepository(session).by_key(skill.strip().casefold())
    if found is None:
        raise NotFound(f"no skill {skill!r} in the catalogue")
    people, rows = await service.group_utilisation(
        session, PersonFilter(skill=skill, min_proficiency=min_proficiency), weeks)
    return GroupUtilisation(skill=found.name, min_proficiency=min_proficiency, people=people, weeks=rows)


def _filter(team: str | None, skill: str | None, min_proficiency: int) -> PersonFilter:
    return PersonFilter(team=team, skill=skill, min_proficiency=min_proficiency)


@router.get("/heatmap", tags=["views"], responses={200: {"model": Heatmap}},
            summary="People × ISO weeks: booked, available and utilisation as arrays per person")
async def heatmap(
    session: SessionDep, _actor: CurrentActor, from_: FromQ = None, to: ToQ = None,
    team: Annotated[str | None, Query(description="Only this team.")] = None,
    skill: Annotated[str | None, Query(description="Only holders of this skill.")] = None,
    min_proficiency: Proficiency = 1,
    limit: Annotated[int, Query(ge=1, le=HEATMAP_MAX, description=f"People per page (at most {HEATMAP_MAX}).")] = 500,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> Response:
    weeks = _weeks(from_, to)
    page = PageParams(limit=limit, cursor=decode_cursor(cursor) if cursor else None)
    # Serialised directly: validating 5,000 × 104 × 3 numbers through pydantic would cost more than the query.
    body = await service.heatmap_json(session, _filter(team, skill, min_proficiency), page, weeks)
    return Response(content=body, media_type="application/json")


@router.get("/heatmap.csv", tags=["views"], response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}}},
            summary="The heatmap as CSV, one row per person and week, streamed")
async def heatmap_csv(
    request: Request, _actor: CurrentActor, from_: FromQ = None, to: ToQ = None,
    team: Annotated[str | None, Query(description="Only this team.")] = None,
    skill: Annotated[str | None, Query(description="Only holders of this skill.")] = None,
    min_proficiency: Proficiency = 1,
) -> StreamingResponse:
    weeks = _weeks(from_, to)
    where = _filter(team, skill, min_proficiency)
    maker = request.app.state.runtime.read_sessionmaker

    async def lines() -> AsyncIterator[str]:
        # Its own read session: the request's session closes when the endpoint returns, before the stream ends.
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        async with maker() as session, session.begin():
            async for rows in service.heatmap_rows(session, where, weeks):
                writer.writerows(rows)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()

    return StreamingResponse(lines(), media_type="text/csv",
                             headers={"Content-Disposition": 'attachment; filename="heatmap.csv"'})


@router.get("/alerts", response_model=EpisodePage, tags=["views"],
            summary="Over-allocation and burnout-risk episodes, newest first")
async def list_alerts(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    status: Annotated[Literal["open", "cleared"] | None, Query(description="Only episodes in this status.")] = None,
    kind: Annotated[Literal["overallocated", "burnout_risk"] | None, Query(description="Only this kind.")] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="Only this person's.")] = None,
) -> EpisodePage:
    rows, cursor = await EpisodeRepository(session).page(page, status=status, kind=kind, person_id=person_id)
    return EpisodePage(items=[EpisodeRead.model_validate(e) for e in rows], next_cursor=cursor, limit=page.limit)


@router.get("/finder", response_model=FinderResult, tags=["views"],
            summary="Rank people for work: skill match, then free hours in the window, then name")
async def find_people(
    session: SessionDep, _actor: CurrentActor, from_: FromQ = None, to: ToQ = None,
    skill: Annotated[str | None, Query(description="The skill wanted (case-insensitive).")] = None,
    min_proficiency: Proficiency = 1,
    hours_per_week: Annotated[float, Query(ge=0, le=80, description="Hours wanted each week.")] = 0,
    team: Annotated[str | None, Query(description="Only this team.")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="How many people to return.")] = 20,
) -> FinderResult:
    weeks = _weeks(from_, to)
    items = await service.find(session, skill=skill, min_proficiency=min_proficiency, team=team, weeks=weeks,
                               hours_per_week=hours_per_week, limit=limit)
    return FinderResult(weeks=[key for key, _ in weeks], items=items)
