"""Events published by the capacity service on `tandem.capacity`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

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


@event_type("capacity.booking.moved.v1")
class BookingMoved(EventData):
    """A booking changed its window, person, hours or kind; consumers subtract `previous_weeks`, add `weeks`."""

    id: uuid.UUID
    source: Literal["change", "project", "operations"]
    source_id: str
    kind: Literal["soft", "hard"]
    person_id: uuid.UUID
    start: datetime
    end: datetime
    hours: float
    weeks: list[WeekHours]
    previous_person_id: uuid.UUID
    previous_start: datetime
    previous_end: datetime
    previous_hours: float
    previous_weeks: list[WeekHours]
    reason: str


@event_type("capacity.booking.confirmed.v1")
class BookingConfirmed(EventData):
    """A soft (planned) booking became hard (confirmed); its hours do not change."""

    id: uuid.UUID
    person_id: uuid.UUID
    source: Literal["change", "project", "operations"]
    source_id: str
    confirmed_by: str


class SkillWeek(BaseModel):
    """Hours of one skill in one ISO week."""

    week: str = Field(description="ISO week, e.g. `2026-W49`.")
    supply_hours: float = Field(description="Available hours of the people holding the skill (any proficiency).")
    booked_hours: float = Field(description="Those people's hours in active bookings (any source).")
    free_hours: float = Field(description="Sum over those people of max(0, available - booked).")
    requested_hours: float = Field(description="Hours of open role requests for the skill (not yet assigned).")


class SkillOutlook(BaseModel):
    """One skill, week by week."""

    skill: str = Field(description="Skill name, lower-cased.")
    weeks: list[SkillWeek]


@event_type("capacity.snapshot.published.v1")
class CapacitySnapshotPublished(EventData):
    """Free hours per skill per ISO week for the next weeks; published, coalesced, when the figures change.

    Each snapshot replaces the previous one whole; `sequence` grows by one per snapshot, so a consumer keeps
    the highest it has seen.
    """

    subject_field: ClassVar[str] = "pool"

    pool: str = Field("all", description="The capacity pool the figures cover (one pool today); the Kafka key.")
    sequence: int
    generated_at: datetime
    first_week: str
    week_count: int
    skills: list[SkillOutlook]


# Cost rates. Imported here so this appended section leaves the header alone.
from decimal import Decimal  # noqa: E402


@event_type("capacity.person.cost_rate_changed.v1")
class PersonCostRateChanged(EventData):
    """A person's hourly cost rate was set (on creation or later), changed or cleared (rate and currency null).

    Keyed by the person, so it stays in order with `capacity.person.created.v1`; portfolio costs project bookings
    with it (actual labour cost).
    """

    subject_field: ClassVar[str] = "person_id"

    person_id: uuid.UUID
    rate: Decimal | None = Field(description="Per hour, two decimal places; null when the rate was cleared.")
    currency: str | None = Field(description="ISO 4217 code of the rate; null with a null rate.")
    changed_by: str


@event_type("capacity.booking.rejected.v1")
class BookingRejected(EventData):
    """Capacity could not book what an approved change, or a line of a project's demand plan, asked for: nothing was
    booked, and `reason` says why (e.g. a window beyond the planning horizon or the calendar's range, or a change's
    assignee capacity does not know).

    Published instead of dead-lettering the request, so the change (or project) learns of it. Keyed by the source
    id, so a source's rejections stay in order; `team` and `manager` are the person's when capacity knows them.
    """

    subject_field: ClassVar[str] = "source_id"

    source: Literal["change", "project"]
    source_id: str = Field(description="The change's or project's id.")
    person_id: uuid.UUID | None = Field(description="Who was to be booked; null when no one was named.")
    reason: str
    line_id: uuid.UUID | None = Field(None, description="The demand line, for a project.")
    team: str | None = Field(None, description="The person's team, when capacity knows the person.")
    manager: str | None = Field(None, description="That team's manager: who should hear of it.")
