"""Request and response bodies of the signal APIs: a batch of rows, each validated alone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from tandem_shared.api import UTCDatetime

from tandem_metrics.periods import check_iso_week, check_month

MAX_BATCH = 1000
Priority = Literal["P1", "P2", "P3", "P4"]
_ID = Field(min_length=1, max_length=200)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=200, description="The signal's id in its source system.")
    source_system: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
                               description="The system it comes from (e.g. servicenow); defaults to the batch's.")


class IncidentSignal(_Row):
    """An incident: on a service and/or CIs, with a priority, opened and maybe resolved, maybe with a known cause."""

    service_id: str | None = Field(None, min_length=1, max_length=200,
                                   description="The business service (its CMDB id, or the id the source uses).")
    ci_id: str | None = Field(None, min_length=1, max_length=200, description="The configuration item affected.")
    ci_ids: list[str] = Field(default_factory=list, max_length=50, description="More CIs affected.")
    priority: Priority
    opened_at: UTCDatetime
    resolved_at: UTCDatetime | None = None
    caused_by_change_id: uuid.UUID | None = Field(None, description="The change the source knows caused it.")
    caused_by_project_id: uuid.UUID | None = Field(None, description="The project whose go-live caused it.")

    @model_validator(mode="after")
    def _check(self) -> IncidentSignal:
        if not (self.service_id or self.ci_id or self.ci_ids):
            raise ValueError("service_id: give service_id or ci_id (or both)")
        if self.resolved_at is not None and self.resolved_at < self.opened_at:
            raise ValueError("resolved_at: must not be before opened_at")
        return self

    @property
    def all_ci_ids(self) -> list[str]:
        """ci_id and ci_ids, sorted, once each."""
        return sorted({*self.ci_ids, *([self.ci_id] if self.ci_id else [])})


class OutageSignal(_Row):
    """An outage of a service from start to end; planned (maintenance) or not."""

    service_id: str = _ID
    start: UTCDatetime
    end: UTCDatetime
    planned: bool = False

    @model_validator(mode="after")
    def _check(self) -> OutageSignal:
        if self.end <= self.start:
            raise ValueError("end: must be after start")
        return self


class CsatSignal(_Row):
    """A satisfaction response for a service: a score on 1-5 (default) or 0-100, when answered or for a period."""

    service_id: str = _ID
    score: float
    scale: Literal["1-5", "0-100"] = Field("1-5", description="1-5 (default) or 0-100 (mapped to 1 + 4 × s / 100).")
    responded_at: UTCDatetime | None = None
    period: str | None = Field(None, description="An ISO week (2026-W49) or month (2026-12) when no responded_at.")

    @field_validator("period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return check_iso_week(value) if "W" in value else check_month(value)

    @model_validator(mode="after")
    def _check(self) -> CsatSignal:
        low, high = (1, 5) if self.scale == "1-5" else (0, 100)
        if not low <= self.score <= high:
            raise ValueError(f"score: must be between {low} and {high} on scale {self.scale}")
        if (self.responded_at is None) == (self.period is None):
            raise ValueError("responded_at: give responded_at or period (one of them)")
        return self


class SignalBatch(BaseModel):
    """Up to 1,000 rows; each is validated alone (an invalid row is reported, the others applied)."""

    model_config = ConfigDict(extra="forbid")

    source_system: str | None = Field(None, min_length=1, max_length=100,
                                      description="Source system of rows that do not name one.")
    # Any rather than objects: a row that is not an object is that row's error, not the whole batch's.
    items: list[Any] = Field(min_length=1, max_length=MAX_BATCH, description="The rows (JSON objects).")


class RowError(BaseModel):
    """What is wrong with one field of a row."""

    field: str
    message: str


class RowResult(BaseModel):
    """What happened to one row of the batch."""

    index: int = Field(description="Position of the row in `items`, from 0.")
    status: Literal["created", "updated", "unchanged", "rejected"]
    id: uuid.UUID | None = Field(None, description="Metrics' id of the signal (not for rejected rows).")
    external_id: str | None = None
    errors: list[RowError] = Field(default_factory=list, description="Rejected rows: each offending field.")


class BatchResult(BaseModel):
    """The outcome of a batch: counts, then one result per row in order."""

    received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    results: list[RowResult]


class LinkRead(BaseModel):
    """An incident's cause."""

    model_config = ConfigDict(from_attributes=True)

    change_id: uuid.UUID | None
    project_id: uuid.UUID | None
    rule: str
    explanation: str
    ci_ids_in_common: list[str]
    hours_between: float | None
    window_days: int | None


class IncidentRead(BaseModel):
    """An incident as metrics keeps it, with its link."""

    id: uuid.UUID
    source_system: str
    external_id: str
    service_id: str | None
    ci_ids: list[str]
    priority: Priority
    opened_at: datetime
    resolved_at: datetime | None
    caused_by_change_id: uuid.UUID | None
    caused_by_project_id: uuid.UUID | None
    version: int
    link: LinkRead | None


class IncidentPage(BaseModel):
    """One page of incidents."""

    items: list[IncidentRead]
    next_cursor: str | None
    limit: int


class ServiceHoursWindow(BaseModel):
    """Committed hours on some weekdays."""

    model_config = ConfigDict(extra="forbid")

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(min_length=1, max_length=7)
    start: str = Field(description="HH:MM local time.", examples=["08:00"])
    end: str = Field(description="HH:MM local time, after start (24:00 for midnight).", examples=["18:00"])


class ServiceHoursWrite(BaseModel):
    """A service's committed hours: `24x7`, or windows in an IANA time zone."""

    model_config = ConfigDict(extra="forbid")

    preset: Literal["24x7", "weekdays"] | None = Field(
        None, description="24x7, or weekdays (Monday-Friday from `start` to `end`, default 08:00-18:00).")
    timezone: str = Field("UTC", description="IANA time zone of the windows, e.g. Europe/Paris.")
    windows: list[ServiceHoursWindow] | None = Field(None, max_length=21)
    start: str | None = Field(None, description="With preset weekdays: opening time (default 08:00).")
    end: str | None = Field(None, description="With preset weekdays: closing time (default 18:00).")


class ServiceHoursRead(BaseModel):
    """A service's committed hours."""

    service_id: str
    timezone: str
    windows: list[ServiceHoursWindow]
    always: bool = Field(description="True for 24x7 (no windows).")
    description: str
    configured: bool = Field(description="False while the 24x7 default applies.")
    monitored: bool = Field(description="Counts in the organisation's uptime (hours set or an outage reported).")
    committed_minutes_per_week: float
    version: int
