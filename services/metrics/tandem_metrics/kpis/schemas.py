"""Request and response bodies of the KPI API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from tandem_shared.bounds import Amount

from tandem_metrics.kpis.catalogue import Direction

Status = Literal["green", "amber", "red"]


class SeriesPoint(BaseModel):
    """A stored weekly value (the first release's series)."""

    period: str = Field(description="ISO week, e.g. 2026-W48.")
    value: float


class PeriodPoint(BaseModel):
    """A KPI's value in one period of a series."""

    period: str = Field(description="ISO week (2026-W48) or month (2026-11).")
    value: float | None = Field(description="Null where the KPI is undefined (e.g. a ratio over nothing).")
    status: Status | None = Field(None, description="Colour against the thresholds; null without thresholds.")


class ThresholdsRead(BaseModel):
    """Status boundaries (see `direction`): green at or beyond `green`, amber at or beyond `amber`, else red."""

    green: float
    amber: float


class KpiRead(BaseModel):
    """A KPI of the catalogue: its definition, its value for a dimension, its status and (asked for) its series."""

    key: str
    name: str
    unit: str
    direction: Direction
    description: str
    area: str = Field(description="delivery, operations, strategy or activity.")
    formula: str = Field(description="How the value is computed.")
    example: str | None = Field(None, description="A worked example of the formula.")
    owner: str = Field(description="Who answers for it (a role, or who the PMO named).")
    events: list[str] = Field(description="The events (or signal APIs) it is computed from.")
    dimensions: list[str] = Field(description="Kinds of dimension it is kept per.")
    granularities: list[str] = Field(description="Kinds of period its series are kept per (week, month).")
    dimension: str = Field(description="The dimension of `value`: organisation or kind:value.")
    period: str = Field(description="The period of `value`: `all`, or the current month for rates of a period.")
    value: float | None = Field(description="The value for the dimension and period; series filters do not change it.")
    status: Status | None = Field(None, description="Colour of `value` against the thresholds.")
    target: float | None = None
    thresholds: ThresholdsRead | None = None
    granularity: Literal["week", "month"] | None = Field(None, description="The kind of period of `series`.")
    series: list[PeriodPoint] | list[SeriesPoint] | None = Field(
        None, description="With `granularity`: every period from `from` to `to`. Without it (first-release shape), "
        "weekly KPIs list their stored weeks.")
    updated_at: datetime | None = Field(None, description="Time of the latest event that changed it.")


class KpiList(BaseModel):
    """KPIs of the catalogue."""

    items: list[KpiRead]


class DimensionList(BaseModel):
    """Dimensions values are kept for."""

    items: list[str]


class TargetWrite(BaseModel):
    """A KPI's target, thresholds and owner for a dimension; a null field falls back to the kind's, then the
    catalogue's."""

    model_config = ConfigDict(extra="forbid")

    target: Amount | None = Field(None, description="The value aimed at.")
    green: Amount | None = Field(None, description="Green boundary (with amber, or neither).")
    amber: Amount | None = Field(None, description="Amber boundary (with green, or neither).")
    owner: str | None = Field(None, max_length=200, description="Who answers for the KPI here.")


class TargetRead(BaseModel):
    """The target row of a dimension as set, and what applies there after falling back."""

    kpi: str
    dimension: str
    target: float | None = Field(description="As set on this row (null: falls back).")
    green: float | None
    amber: float | None
    owner: str | None
    version: int = Field(description="0 while nothing was set here; the ETag is W/\"version\".")
    updated_by: str | None = None
    updated_at: datetime | None = None
    effective_target: float | None
    effective_thresholds: ThresholdsRead | None
    effective_owner: str
    source: dict[str, str] = Field(description="Where each effective field comes from: dimension, kind or catalogue.")
