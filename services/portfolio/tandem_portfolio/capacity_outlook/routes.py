"""Routes of /portfolio/v1/capacity-outlook: what selection runs plan against, read-only."""

from __future__ import annotations

from fastapi import APIRouter
from tandem_shared.api import UnitOfWorkDep
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES, NotFound

from tandem_portfolio.capacity_outlook.repository import DEFAULT_POOL, CapacityOutlookRepository
from tandem_portfolio.capacity_outlook.schemas import CapacityOutlookRead, SkillOutlookRead, SkillWeekRead
from tandem_portfolio.capacity_outlook.weeks import iso_weeks

router = APIRouter(tags=["selections"], responses=PROBLEM_RESPONSES)


@router.get("/capacity-outlook", response_model=CapacityOutlookRead,
            summary="The capacity snapshot selection runs use",
            description="Free hours per skill per ISO week as capacity last published them "
            "(`capacity.snapshot.published.v1`); a selection run plans against it unless its request gives "
            "capacity explicitly. 404 until capacity has published a snapshot.")
async def get_capacity_outlook(uow: UnitOfWorkDep, _actor: CurrentActor) -> CapacityOutlookRead:
    outlook = await uow.repo(CapacityOutlookRepository).get(DEFAULT_POOL)
    if outlook is None:
        raise NotFound("capacity has not published a snapshot yet")
    weeks = iso_weeks(outlook.first_week, outlook.week_count)
    skills = [SkillOutlookRead(skill=skill, weeks=[SkillWeekRead(
        week=week, free_hours=figures["free"][i], supply_hours=figures["supply"][i],
        booked_hours=figures["booked"][i], requested_hours=figures["requested"][i]) for i, week in enumerate(weeks)])
        for skill, figures in sorted(outlook.skills.items())]
    return CapacityOutlookRead(pool=outlook.pool, sequence=outlook.sequence, generated_at=outlook.generated_at,
                               received_at=outlook.received_at, first_week=outlook.first_week,
                               week_count=outlook.week_count, skills=skills)
