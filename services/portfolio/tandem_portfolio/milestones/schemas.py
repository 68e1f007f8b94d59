"""Request and response bodies of milestones."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from tandem_shared.api import Page
from tandem_shared.bounds import PlanDate, PlanDatetime

from tandem_portfolio.milestones.slip import slip_of

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Kind = Literal["milestone", "go_live"]
Ids = Annotated[list[uuid.UUID], Field(max_length=200)]


def _check_window(start: datetime | None, end: datetime | None) -> None:
    if (start is None) != (end is None):
        raise ValueError("window_start and window_end go together")
    if start is not None and end is not None and end <= start:
        raise ValueError("window_end must be after window_start")


class MilestoneCreate(BaseModel):
    """A new milestone; a go-live may carry its window and the services and CIs it touches."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Portal live", "kind": "go_live", "forecast_date": "2027-06-26", "baseline": True,
        "window_start": "2027-06-26T20:00:00Z", "window_end": "2027-06-27T02:00:00Z",
        "service_ids": ["0b7c6c2e-8f0a-4d55-9a3f-5d1f1f0e7a11"], "ci_ids": ["7d0e1b8a-2c4f-4e7e-8a36-1c9a5b2f3d40"],
    }]})

    name: Name
    description: str | None = Field(None, max_length=20_000)
    kind: Kind = "milestone"
    forecast_date: PlanDate = Field(description="When the milestone is expected now.")
    baseline: bool = Field(False, description="Baseline it at once (baseline date = forecast date).")
    window_start: PlanDatetime | None = Field(None, description="Go-live only: start of the cut-over window.")
    window_end: PlanDatetime | None = None
    service_ids: Ids = Field(default_factory=list, description="Go-live only: business services it touches.")
    ci_ids: Ids = Field(default_factory=list, description="Go-live only: configuration items it touches.")

    @model_validator(mode="after")
    def _go_live_fields(self) -> MilestoneCreate:
        _check_window(self.window_start, self.window_end)
        if self.kind != "go_live" and (self.window_start or self.service_ids or self.ci_ids):
            raise ValueError("only a go_live milestone has a window, services and CIs")
        return self


class MilestoneUpdate(BaseModel):
    """Fields to change (leave out what stays); a moved forecast may say why."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "forecast_date": "2027-07-03", "reason": "Vendor delivers the load balancer a week late."}]})

    name: Name | None = None
    description: str | None = Field(None, max_length=20_000)
    forecast_date: PlanDate | None = None
    window_start: PlanDatetime | None = None
    window_end: PlanDatetime | None = None
    service_ids: Ids | None = None
    ci_ids: Ids | None = None
    reason: Reason | None = Field(None, description="Why the forecast moved (kept in the event and audit).")

    @model_validator(mode="after")
    def _window(self) -> MilestoneUpdate:
        _check_window(self.window_start, self.window_end)
        return self


class MilestoneBaseline(BaseModel):
    """Set the baseline, or re-baseline (which needs a reason)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "baseline_date": "2027-07-03", "reason": "Scope change SC-4 approved by the sponsor adds a week."}]})

    baseline_date: PlanDate | None = Field(None, description="Defaults to the current forecast date.")
    reason: Reason | None = Field(None, description="Required when a baseline exists already.")


class MilestoneComplete(BaseModel):
    """The milestone was reached."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"actual_date": "2027-06-26"}]})

    actual_date: PlanDate | None = Field(None, description="When it was reached; defaults to today (UTC).")


class MilestoneRead(BaseModel):
    """A milestone as stored, with its slip in working days past the baseline."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    description: str | None
    kind: Kind
    status: Literal["planned", "completed"]
    baseline_date: date | None
    forecast_date: date
    actual_date: date | None
    slip_working_days: int | None = Field(
        description="Working days the actual (or forecast, while open) date lies past the baseline; null unbaselined.")
    window_start: datetime | None
    window_end: datetime | None
    service_ids: list[uuid.UUID]
    ci_ids: list[uuid.UUID]
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _slip(cls, value: object) -> object:
        if isinstance(value, dict) or not hasattr(value, "forecast_date"):
            return value
        fields = {name: getattr(value, name) for name in cls.model_fields if hasattr(value, name)}
        fields["slip_working_days"] = slip_of(value.baseline_date, value.forecast_date, value.actual_date)
        return fields


class MilestonePage(Page[MilestoneRead]):
    """A page of milestones, by forecast date."""
