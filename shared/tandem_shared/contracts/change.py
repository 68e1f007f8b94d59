"""Events published by the change service on `tandem.change`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from tandem_shared.events import EventData, event_type

ChangeType = Literal["standard", "normal", "emergency"]


@event_type("change.request.created.v1")
class ChangeCreated(EventData):
    """A change request was raised (state new)."""

    id: uuid.UUID
    title: str
    type: ChangeType
    state: str
    requested_by: str
    assignee_id: uuid.UUID | None
    effort_hours: float
    planned_start: datetime
    planned_end: datetime
    affected_cis: list[str]


@event_type("change.request.submitted.v1")
class ChangeSubmitted(EventData):
    """A change left new for assessment or authorisation (standard changes go straight to scheduled)."""

    id: uuid.UUID
    type: ChangeType
    from_state: str
    state: str
    submitted_by: str


@event_type("change.request.approved.v1")
class ChangeApproved(EventData):
    """A change was authorised and is scheduled; capacity books the assignee's effort from this."""

    id: uuid.UUID
    type: ChangeType
    approved_by: str
    pre_authorised: bool
    assignee_id: uuid.UUID | None
    effort_hours: float
    planned_start: datetime
    planned_end: datetime
    state: str


@event_type("change.request.rejected.v1")
class ChangeRejected(EventData):
    """A change was rejected and returned to new."""

    id: uuid.UUID
    rejected_by: str
    reason: str | None
    from_state: str
    state: str


@event_type("change.request.canceled.v1")
class ChangeCanceled(EventData):
    """A change was canceled; any booking made for it is released."""

    id: uuid.UUID
    type: ChangeType
    canceled_by: str
    reason: str | None
    from_state: str
    was_approved: bool


@event_type("change.request.rescheduled.v1")
class ChangeRescheduled(EventData):
    """A change's planned window (and possibly its assignee or effort) moved.

    When `books_capacity` is true the change was already authorised: capacity moves its booking to the new
    window, assignee and effort.
    """

    id: uuid.UUID
    type: ChangeType
    rescheduled_by: str
    state: str
    books_capacity: bool
    previous_start: datetime
    previous_end: datetime
    planned_start: datetime
    planned_end: datetime
    previous_assignee_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    effort_hours: float
    reason: str | None
