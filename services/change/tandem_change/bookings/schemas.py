"""Response bodies of change alerts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from tandem_shared.api import Page

BookingStatus = Literal["booked", "released", "rejected"]


class AlertRead(BaseModel):
    """An alert about a change: capacity could not book it (kind booking_rejected), and why."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    change_id: uuid.UUID
    kind: Literal["booking_rejected"]
    recipient: str | None = Field(description="Who should act: the assignee's team manager (null: none known, so "
                                  "the change managers).")
    team: str | None = Field(description="The assignee's team.")
    person_id: uuid.UUID | None = Field(description="The assignee capacity was to book.")
    reason: str = Field(description="Why capacity could not book it.")
    created_at: datetime


class AlertPage(Page[AlertRead]):
    """A page of alerts, newest first."""
