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
