"""Response bodies of the metrics API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tandem_metrics.kpis.rules import Direction


class SeriesPoint(BaseModel):
    """A KPI's value in one ISO week."""

    period: str = Field(description="ISO week, e.g. 2026-W48.")
    value: float


class KpiRead(BaseModel):
    """A KPI with its organisation-wide value (and weekly series for weekly KPIs)."""

    key: str
    name: str
    unit: str
    direction: Direction
    description: str
    value: float = Field(description="The value over all time; the series filters do not change it.")
    series: list[SeriesPoint] | None = Field(None, description="Weekly KPIs only, ordered by week.")
    updated_at: datetime | None = Field(None, description="Time of the latest event that changed it.")


class KpiList(BaseModel):
    """Every KPI."""

    items: list[KpiRead]
