"""Events published by the capacity service on `tandem.capacity`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from tandem_shared.events import EventData, event_type


class Skill(BaseModel):
    """A skill a person has, with proficiency 1 (novice) to 5 (expert)."""

    name: str
    proficiency: int


class WeekHours(BaseModel):
    """Hours in one ISO week, e.g. `2026-W48`."""

    week: str
    hours: float


@event_type("capacity.person.created.v1")
class PersonCreated(EventData):
    """A person joined the capacity pool."""

    id: uuid.UUID
    name: str
    email: str | None
    team: str
    skills: list[Skill]
    weekly_hours: float


@event_type("capacity.booking.created.v1")
class BookingCreated(EventData):
    """Hours were booked for a person, spread over ISO weeks."""

    id: uuid.UUID
    person_id: uuid.UUID
    source: Literal["change", "project", "operations"]
    source_id: str
    kind: Literal["soft", "hard"]
    start: datetime
    end: datetime
    hours: float
    weeks: list[WeekHours]


@event_type("capacity.booking.released.v1")
class BookingReleased(EventData):
    """A booking was released; its hours are free again."""

    id: uuid.UUID
    person_id: uuid.UUID
    source: Literal["change", "project", "operations"]
    source_id: str
    hours: float
    weeks: list[WeekHours]
    reason: str


class _Episode(EventData):
    """An over-allocation or burnout-risk episode of one person (keyed by person, so per-person order holds)."""

    subject_field = "person_id"

    episode_id: uuid.UUID
    person_id: uuid.UUID
    team: str
    first_week: str
    last_week: str
    peak_utilisation: float


@event_type("capacity.person.overallocated.v1")
class PersonOverallocated(_Episode):
    """A person became booked above 100 % of their available hours in one or more consecutive weeks."""


@event_type("capacity.person.overallocation_cleared.v1")
class PersonOverallocationCleared(_Episode):
    """An over-allocation episode ended: none of its weeks is above 100 % any more."""


@event_type("capacity.person.burnout_risk_raised.v1")
class PersonBurnoutRiskRaised(_Episode):
    """A person became booked at 90 % or more of their available hours for four or more weeks running."""


@event_type("capacity.person.burnout_risk_cleared.v1")
class PersonBurnoutRiskCleared(_Episode):
    """A burnout-risk episode ended: no run of four weeks at 90 % or more is left where it was."""
