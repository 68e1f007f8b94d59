"""Routes of a change's impact: assess, read, and confirm or exclude impacted CIs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from tandem_shared.api import SessionDep
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_change.cmdb import impact_service
from tandem_change.cmdb.impact_rules import DEFAULT_DEPTH, MAX_DEPTH
from tandem_change.cmdb.models import ChangeImpact, ConfigurationItem
from tandem_change.record.repository import ChangeRepository

router = APIRouter(tags=["impact"], responses=PROBLEM_RESPONSES)
ASSESSORS = ("requester", "change_manager", "project_manager", "service_owner", "cab_member")


class ImpactedCIRead(BaseModel):
    """A CI in a change's impact, with the decision taken on it."""

    ci_id: uuid.UUID
    name: str
    ci_class: str
    criticality: int
    depth: int = Field(description="Hops from an affected CI; 0 = an affected CI itself.")
    business_service: bool
    status: Literal["computed", "confirmed", "excluded"]
    decided_by: str | None
    decided_at: datetime | None


class ImpactRead(BaseModel):
    """The stored impact of a change: every impacted CI and, among them, the business services."""

    change_id: uuid.UUID
    impacted: list[ImpactedCIRead]
    business_services: list[ImpactedCIRead]


class ImpactDecision(BaseModel):
    """Confirm that a CI is impacted, or exclude it (excluded CIs do not count for risk)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["confirmed", "excluded"]


def _item(impact: ChangeImpact, ci: ConfigurationItem) -> ImpactedCIRead:
    return ImpactedCIRead(ci_id=ci.id, name=ci.name, ci_class=ci.ci_class, criticality=ci.criticality,
                          depth=impact.depth, business_service=impact.business_service, status=impact.status,
                          decided_by=impact.decided_by, decided_at=impact.decided_at)


async def _read(session, change_id: uuid.UUID) -> ImpactRead:
    items = [_item(i, ci) for i, ci in await impact_service.stored_impact(session, change_id)]
    return ImpactRead(change_id=change_id, impacted=items, business_services=[i for i in items if i.business_service])


@router.post("/changes/{change_id}/impact", response_model=ImpactRead, dependencies=[require_roles(*ASSESSORS)],
             summary="Assess the impact of a change",
             description="Walks the CMDB from the change's affected CIs (outages flow from providers to dependents; "
             "connects_to both ways; a CI with min_up stays up while min_up of its providers do) and stores the "
             "result. Confirmed and excluded decisions are kept. 409 on a closed or canceled change.")
async def assess_impact(
    change_id: uuid.UUID, session: SessionDep, actor: CurrentActor,
    depth: Annotated[int, Query(ge=0, le=MAX_DEPTH, description="How many hops to follow.")] = DEFAULT_DEPTH,
    max_criticality: Annotated[int | None, Query(ge=1, le=5, description="Store only CIs this critical or more; "
                                                  "the walk still passes through the others.")] = None,
) -> ImpactRead:
    change = await ChangeRepository(session).get_or_404(change_id)
    await impact_service.assess_impact(session, actor=actor, change=change, depth=depth,
                                       max_criticality=max_criticality)
    return await _read(session, change_id)


@router.get("/changes/{change_id}/impact", response_model=ImpactRead, summary="Read the stored impact of a change",
            description="Empty until the impact was assessed.")
async def get_impact(change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> ImpactRead:
    await ChangeRepository(session).get_or_404(change_id)
    return await _read(session, change_id)


@router.patch("/changes/{change_id}/impact/{ci_id}", response_model=ImpactedCIRead,
              dependencies=[require_roles("change_manager")], summary="Confirm or exclude an impacted CI",
              description="Change managers only. 404 when the CI is not in the stored impact.")
async def decide_impact(change_id: uuid.UUID, ci_id: uuid.UUID, body: ImpactDecision, session: SessionDep,
                        actor: CurrentActor) -> ImpactedCIRead:
    change = await ChangeRepository(session).get_or_404(change_id)
    row = await impact_service.decide_impact(session, actor=actor, change=change, ci_id=ci_id, status=body.status)
    ci = await session.get(ConfigurationItem, ci_id)
    return _item(row, ci)
