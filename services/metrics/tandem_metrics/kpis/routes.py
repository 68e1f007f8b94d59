"""Routes of /metrics/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from tandem_shared.api import SessionDep
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES, ValidationProblem

from tandem_metrics.kpis import service
from tandem_metrics.kpis.rules import check_iso_week
from tandem_metrics.kpis.schemas import KpiList, KpiRead

router = APIRouter(tags=["kpis"], responses=PROBLEM_RESPONSES)


def _week(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_iso_week(value)
    except ValueError as exc:
        raise ValidationProblem.field(name, str(exc)) from exc


@router.get("/kpis", response_model=KpiList, summary="Every KPI with its current value")
async def list_kpis(session: SessionDep, _actor: CurrentActor) -> KpiList:
    return KpiList(items=await service.list_kpis(session))


@router.get("/kpis/{key}", response_model=KpiRead, summary="One KPI, its weekly series optionally limited to weeks")
async def get_kpi(
    key: str, session: SessionDep, _actor: CurrentActor,
    from_week: Annotated[str | None, Query(description="First ISO week of the series, e.g. 2026-W40.")] = None,
    to_week: Annotated[str | None, Query(description="Last ISO week of the series, e.g. 2026-W52.")] = None,
) -> KpiRead:
    start, end = _week("from_week", from_week), _week("to_week", to_week)
    if start and end and end < start:
        raise ValidationProblem.field("to_week", f"must not be before from_week {start}")
    return await service.get_kpi(session, key, from_week=start, to_week=end)
