"""Routes of /change/v1/alerts: what capacity could not book, for the people who should act on it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from tandem_shared.api import PageDep, UnitOfWorkDep
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_change.bookings.repository import BookingStatusRepository
from tandem_change.bookings.schemas import AlertPage, AlertRead

router = APIRouter(tags=["alerts"], responses=PROBLEM_RESPONSES)


@router.get("/alerts", response_model=AlertPage, summary="List alerts about changes",
            description="Newest first. Today one kind: `booking_rejected`, raised when capacity could not book an "
            "approved change's implementer (capacity.booking.rejected.v1) and addressed to the assignee's team "
            "manager; the change itself shows `booking_status` rejected and `booking_reason`.")
async def list_alerts(
    uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    recipient: Annotated[str | None, Query(max_length=200, description="Alerts for this person.")] = None,
    change_id: Annotated[uuid.UUID | None, Query(description="Alerts about this change.")] = None,
    team: Annotated[str | None, Query(max_length=100, description="Alerts about this team's people (also those "
                                      "whose manager capacity could not name).")] = None,
) -> AlertPage:
    rows, cursor = await uow.repo(BookingStatusRepository).alerts(page, recipient=recipient, change_id=change_id,
                                                                  team=team)
    return AlertPage(items=[AlertRead.model_validate(r) for r in rows], next_cursor=cursor, limit=page.limit)
