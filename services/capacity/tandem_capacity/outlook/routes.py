"""Routes of /capacity/v1/skill-gaps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from tandem_shared.api import SessionDep
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_capacity.bookings.rules import report_weeks
from tandem_capacity.bookings.schemas import DateOrDatetime
from tandem_capacity.outlook.schemas import SkillGapReport, SkillGapRow
from tandem_capacity.outlook.service import skill_gap_report
from tandem_capacity.people.schemas import SkillName

router = APIRouter(tags=["skill gaps"], responses=PROBLEM_RESPONSES)


@router.get("/skill-gaps", response_model=SkillGapReport, summary="Demand against supply per skill per ISO week",
            description="Demand: active bookings carrying the skill plus open role requests for it. Supply: available "
            "hours of the people holding the skill at the required proficiency. See docs/capacity-demand.md.")
async def skill_gaps(
    session: SessionDep, _actor: CurrentActor,
    from_: Annotated[DateOrDatetime | None, Query(
        alias="from", description="A date or aware datetime in the first week; default: the current week.")] = None,
    to: Annotated[DateOrDatetime | None, Query(
        description="A date or aware datetime in the last week (at most 104 weeks); default: from + 11 weeks.")] = None,
    skill: Annotated[SkillName | None, Query(description="Only this skill (any case), every week.")] = None,
) -> SkillGapReport:
    weeks = report_weeks(from_, to, datetime.now(UTC).date())
    rows = await skill_gap_report(session, weeks, skill)
    return SkillGapReport(first_week=weeks[0][0], last_week=weeks[-1][0], items=[
        SkillGapRow(skill=r.skill, week=r.week, week_start=r.week_start, required_proficiency=r.required_proficiency,
                    booked_hours=r.booked_hours, requested_hours=r.requested_hours, demand_hours=r.demand_hours,
                    supply_hours=r.supply_hours, gap_hours=r.gap_hours) for r in rows])
