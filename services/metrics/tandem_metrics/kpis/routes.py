"""Routes of /metrics/v1/kpis and /metrics/v1/dimensions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from tandem_shared.api import PageDep, SessionDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES, ValidationProblem
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_metrics.kpis import service
from tandem_metrics.kpis.dimensions import KINDS, ORGANISATION, name_of, parse
from tandem_metrics.kpis.repository import KpiValues
from tandem_metrics.kpis.schemas import DimensionList, KpiList, KpiRead, TargetRead, TargetWrite
from tandem_metrics.periods import check_iso_week, parse_period

router = APIRouter(tags=["kpis"], responses=PROBLEM_RESPONSES)
PMO = [require_roles("pmo")]
# What _dimension accepts, in the document (as json_schema_extra: the 422 stays the one naming the kinds).
DIMENSION_PATTERN = r"^(organisation|(team|service|project|category):.*\S.*)?$"  # empty: the organisation
ISO_WEEK_PATTERN = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
DimensionQuery = Annotated[str, Query(
    description="`organisation` (default) or kind:value, e.g. `team:Platform`, `service:<id>`, `project:<id>`, "
                "`category:Run`.", max_length=200, json_schema_extra={"pattern": DIMENSION_PATTERN})]


def _week(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_iso_week(value)
    except ValueError as exc:
        raise ValidationProblem.field(name, str(exc)) from exc


def _dimension(value: str, *, name: str = "dimension", wildcard: bool = False) -> str:
    try:
        return parse(value, wildcard=wildcard)
    except ValueError as exc:
        raise ValidationProblem.field(name, str(exc)) from exc


def _period(name: str, granularity: str | None, value: str | None) -> str | None:
    if value is None:
        return None
    if granularity is None:
        raise ValidationProblem.field(name, "needs granularity (week or month)")
    try:
        return parse_period(granularity, value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValidationProblem.field(name, str(exc)) from exc


@router.get("/kpis", response_model=KpiList, summary="The KPI catalogue with current values",
            description="Every KPI kept per the dimension's kind, with its value for that dimension (over all time, "
            "or the current month for rates of a period), its status, target and thresholds. `kind` lists the KPIs "
            "kept per a kind of dimension (values for the organisation); `area` one area.")
async def list_kpis(
    session: SessionDep, _actor: CurrentActor, dimension: DimensionQuery = "organisation",
    kind: Annotated[Literal["organisation", "team", "service", "project", "category"] | None,
                    Query(description="Only KPIs kept per this kind of dimension.")] = None,
    area: Annotated[Literal["delivery", "operations", "strategy", "activity"] | None, Query()] = None,
) -> KpiList:
    return KpiList(items=await service.list_kpis(session, dimension=_dimension(dimension), kind=kind, area=area))


@router.get("/kpis/{key}", response_model=KpiRead, summary="One KPI for a dimension, with its series",
            description="`granularity` (week or month) returns the series from `from` to `to` (ISO weeks, months or "
            "days; by default the last 26 weeks or 12 months, at most 104 periods), each point with its status. "
            "Without it, weekly KPIs list their stored weeks, optionally limited by `from_week` and `to_week`.")
async def get_kpi(
    key: str, session: SessionDep, _actor: CurrentActor, dimension: DimensionQuery = "organisation",
    granularity: Annotated[Literal["week", "month"] | None, Query(description="Kind of period of the series.")] = None,
    start: Annotated[str | None, Query(alias="from", description="First period, e.g. 2026-W01 or 2026-01.")] = None,
    end: Annotated[str | None, Query(alias="to", description="Last period, e.g. 2026-W52 or 2026-12.")] = None,
    from_week: Annotated[str | None, Query(description="First ISO week of the stored weeks, e.g. 2026-W40.",
                                          json_schema_extra={"pattern": ISO_WEEK_PATTERN})] = None,
    to_week: Annotated[str | None, Query(description="Last ISO week of the stored weeks, e.g. 2026-W52.",
                                          json_schema_extra={"pattern": ISO_WEEK_PATTERN})] = None,
) -> KpiRead:
    first, last = _week("from_week", from_week), _week("to_week", to_week)
    if first and last and last < first:
        raise ValidationProblem.field("to_week", f"must not be before from_week {first}")
    return await service.get_kpi(session, key, dimension=_dimension(dimension), granularity=granularity,
                                 start=_period("from", granularity, start), end=_period("to", granularity, end),
                                 from_week=first, to_week=last)


TargetDimension = Annotated[str, Path(description="`organisation`, kind:value (`team:Platform`) or every dimension "
                                                  "of a kind (`team:*`).",
                                      json_schema_extra={"pattern": DIMENSION_PATTERN, "maxLength": 200})]


@router.get("/kpis/{key}/targets/{dimension}", response_model=TargetRead,
            summary="A KPI's target and thresholds for a dimension")
async def get_target(key: str, dimension: TargetDimension, session: SessionDep, _actor: CurrentActor,
                     response: Response) -> TargetRead:
    kpi = service.kpi_or_404(key)
    found = await service.get_target(session, kpi, _dimension(dimension, wildcard=True))
    response.headers["ETag"] = etag(found.version)
    return found


@router.get("/kpis/{key}/targets/{dimension}/history", response_model=AuditPage,
            summary="Who changed a KPI's target for a dimension", description=HISTORY_DESCRIPTION)
async def target_history(key: str, dimension: TargetDimension, session: SessionDep, _actor: CurrentActor,
                         page: PageDep) -> AuditPage:
    kpi = service.kpi_or_404(key)
    return await audit_page(session, "kpi_target", f"{kpi.key}@{name_of(_dimension(dimension, wildcard=True))}",
                            page)


@router.put("/kpis/{key}/targets/{dimension}", response_model=TargetRead, dependencies=PMO,
            summary="Set a KPI's target, thresholds and owner for a dimension",
            description="PMO (or admin). If-Match with the ETag of the last read (W/\"0\" before anything was set); "
            "a stale one is a 412. Null fields fall back to the kind's row, then to the catalogue. Audited field by "
            "field (before and after). Statuses are judged again at once: a colour that changes publishes "
            "metrics.kpi.threshold_crossed.v1.")
async def put_target(key: str, dimension: TargetDimension, body: TargetWrite, request: Request,
                     uow: UnitOfWorkDep, actor: CurrentActor, response: Response) -> TargetRead:
    kpi = service.kpi_or_404(key)
    found = await service.put_target(uow, actor=actor, kpi=kpi, dimension=_dimension(dimension, wildcard=True),
                                     body=body, if_match=lambda version: check_if_match(request, version))
    response.headers["ETag"] = etag(found.version)
    return found


@router.get("/dimensions", response_model=DimensionList, summary="Dimensions values are kept for",
            description="kind:value of every dimension with a stored value (at most 500), optionally of one kind.")
async def list_dimensions(
    session: SessionDep, _actor: CurrentActor,
    kind: Annotated[Literal["team", "service", "project", "category"] | None, Query()] = None,
) -> DimensionList:
    found = await KpiValues(session).dimensions(kind)
    return DimensionList(items=[d for d in found if d != ORGANISATION and d.split(":", 1)[0] in KINDS])
