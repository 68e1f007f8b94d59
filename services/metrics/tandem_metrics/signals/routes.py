"""Routes of /metrics/v1/signals (incidents, outages, CSAT) and /metrics/v1/services/{id}/service-hours."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response
from tandem_shared.api import PageDep, SessionDep, UnitOfWorkDep, check_if_match, encode_cursor, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES, NotFound
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_metrics.links.repository import IncidentLinks
from tandem_metrics.services.repository import ServiceHoursRepository
from tandem_metrics.signals import hours, service
from tandem_metrics.signals.models import Incident
from tandem_metrics.signals.repository import Incidents
from tandem_metrics.signals.schemas import (
    BatchResult,
    IncidentPage,
    IncidentRead,
    LinkRead,
    ServiceHoursRead,
    ServiceHoursWrite,
    SignalBatch,
)

router = APIRouter(tags=["signals"], responses=PROBLEM_RESPONSES)
FEEDERS = [require_roles("service_owner")]
BATCH_DESCRIPTION = (
    "Up to 1,000 rows in `items` (a `source_system` at the top applies to rows that do not name one). Idempotent per "
    "(source_system, external_id): a row sent again unchanged is a no-op, changed it updates the signal (audited "
    "field by field). Each row is validated alone: the answer is 200 with one result per row in order, `created`, "
    "`updated`, `unchanged` or `rejected` with the index and each offending field; valid rows are applied even when "
    "others are rejected. A body that is not such a batch (no items, more than 1,000) is a 422. Roles: service_owner "
    "or admin (an integration account is an admin or service_owner token).")
ServiceId = Annotated[str, Path(min_length=1, max_length=200, description="The business service's id.")]


def _batch(summary: str, source: str, row: dict[str, object]) -> dict[str, dict[str, object]]:
    """One documented example of a batch of one row."""
    return {"one": {"summary": summary, "value": {"source_system": source, "items": [row]}}}


IncidentBatch = Annotated[SignalBatch, Body(openapi_examples=_batch("A P2 incident caused by a change", "servicenow", {
    "external_id": "INC0012345", "service_id": "payments", "ci_id": "pay-db-01", "priority": "P2",
    "opened_at": "2027-03-15T06:12:00Z", "resolved_at": "2027-03-15T07:05:00Z",
    "caused_by_change_id": "6f1c2a9e-8d3b-4c51-9e7a-2b0d4f6a8c13"}))]
OutageBatch = Annotated[SignalBatch, Body(openapi_examples=_batch("An unplanned outage of 25 minutes", "prometheus", {
    "external_id": "OUT-7781", "service_id": "payments", "start": "2027-03-15T06:10:00Z",
    "end": "2027-03-15T06:35:00Z", "planned": False}))]
CsatBatch = Annotated[SignalBatch, Body(openapi_examples=_batch("A survey answer on a 1-5 scale", "qualtrics", {
    "external_id": "SURVEY-991", "service_id": "payments", "score": 4, "responded_at": "2027-03-16T09:30:00Z"}))]


@router.post("/signals/incidents", response_model=BatchResult, dependencies=FEEDERS,
             summary="Take in incidents from an ITSM tool", description=BATCH_DESCRIPTION + (
                 " Rows: external_id, source_system, service_id and/or ci_id (ci_ids), priority P1-P4, opened_at, "
                 "resolved_at, caused_by_change_id, caused_by_project_id. An incident without a named cause is "
                 "linked by the rule (docs/kpis.md) and metrics.incident.linked.v1 is published."))
async def post_incidents(body: IncidentBatch, uow: UnitOfWorkDep, actor: CurrentActor) -> BatchResult:
    return await service.ingest_incidents(uow, body.items, source_system=body.source_system, actor=actor.sub)


@router.post("/signals/outages", response_model=BatchResult, dependencies=FEEDERS,
             summary="Take in outages from a monitoring tool", description=BATCH_DESCRIPTION + (
                 " Rows: external_id, source_system, service_id, start, end, planned (default false)."))
async def post_outages(body: OutageBatch, uow: UnitOfWorkDep, actor: CurrentActor) -> BatchResult:
    return await service.ingest_outages(uow, body.items, source_system=body.source_system, actor=actor.sub)


@router.post("/signals/csat", response_model=BatchResult, dependencies=FEEDERS,
             summary="Take in customer satisfaction responses", description=BATCH_DESCRIPTION + (
                 " Rows: external_id, source_system, service_id, score (1-5, or 0-100 with scale `0-100`), "
                 "responded_at or period (an ISO week or a month)."))
async def post_csat(body: CsatBatch, uow: UnitOfWorkDep, actor: CurrentActor) -> BatchResult:
    return await service.ingest_csat(uow, body.items, source_system=body.source_system, actor=actor.sub)


def _incident(row: Incident, link: object | None) -> IncidentRead:
    return IncidentRead(
        id=row.id, source_system=row.source_system, external_id=row.external_id, service_id=row.service_id,
        ci_ids=list(row.ci_ids or ()), priority=row.priority, opened_at=row.opened_at,  # type: ignore[arg-type]
        resolved_at=row.resolved_at, caused_by_change_id=row.caused_by_change_id,
        caused_by_project_id=row.caused_by_project_id, version=row.version,
        link=LinkRead.model_validate(link) if link is not None else None)


@router.get("/signals/incidents", response_model=IncidentPage, summary="Incidents with their links",
            description="Newest first (opened_at, id); filter by service, source system or the change they are "
                        "linked to.")
async def list_incidents(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    service_id: Annotated[str | None, Query(max_length=200)] = None,
    source_system: Annotated[str | None, Query(max_length=100)] = None,
    change_id: Annotated[uuid.UUID | None, Query(description="Incidents linked to this change.")] = None,
) -> IncidentPage:
    ids = await IncidentLinks(session).incidents_of_change([change_id]) if change_id else None
    rows, more = await Incidents(session).page(limit=page.limit, cursor=page.cursor, service_id=service_id,
                                               source_system=source_system, incident_ids=ids)
    links = await IncidentLinks(session).by_incidents(r.id for r in rows)
    cursor = encode_cursor((rows[-1].opened_at.isoformat(), str(rows[-1].id))) if more and rows else None
    return IncidentPage(items=[_incident(r, links.get(r.id)) for r in rows], next_cursor=cursor, limit=page.limit)


@router.get("/signals/incidents/{incident_id}", response_model=IncidentRead, summary="One incident and its link")
async def get_incident(incident_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> IncidentRead:
    row = await Incidents(session).get(incident_id)
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    return _incident(row, (await IncidentLinks(session).by_incidents([row.id])).get(row.id))


@router.get("/signals/incidents/{incident_id}/history", response_model=AuditPage,
            summary="How a source system changed an incident", description=HISTORY_DESCRIPTION)
async def incident_history(incident_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                           page: PageDep) -> AuditPage:
    if await Incidents(session).get(incident_id) is None:
        raise NotFound(f"no incident {incident_id}")
    return await audit_page(session, "incident", incident_id, page)


@router.get("/services/{service_id}/service-hours", response_model=ServiceHoursRead,
            summary="A service's committed hours (24x7 until set)")
async def get_service_hours(service_id: ServiceId, session: SessionDep, _actor: CurrentActor,
                            response: Response) -> ServiceHoursRead:
    found = hours.hours_read(service_id, await ServiceHoursRepository(session).get(service_id))
    response.headers["ETag"] = etag(found.version)
    return found


@router.get("/services/{service_id}/service-hours/history", response_model=AuditPage,
            summary="Who changed a service's committed hours", description=HISTORY_DESCRIPTION)
async def service_hours_history(service_id: ServiceId, session: SessionDep, _actor: CurrentActor,
                                page: PageDep) -> AuditPage:
    return await audit_page(session, "service", service_id, page)


@router.put("/services/{service_id}/service-hours", response_model=ServiceHoursRead, dependencies=FEEDERS,
            summary="Set a service's committed hours",
            description="`{\"preset\": \"24x7\"}`, `{\"preset\": \"weekdays\", \"start\": \"08:00\", \"end\": "
            "\"18:00\", \"timezone\": \"Europe/Paris\"}` or windows `[{\"days\": [\"sat\"], \"start\": \"09:00\", "
            "\"end\": \"13:00\"}]` in a time zone. Only outage minutes within these hours count against uptime; the "
            "service's downtime is recomputed at once. If-Match with the last ETag (W/\"0\" before it was set); "
            "audited. Roles: service_owner or admin.")
async def put_service_hours(service_id: ServiceId, body: ServiceHoursWrite, request: Request, uow: UnitOfWorkDep,
                            actor: CurrentActor, response: Response) -> ServiceHoursRead:
    found = await hours.put_hours(uow, actor=actor, service_id=service_id, body=body,
                                  if_match=lambda version: check_if_match(request, version))
    response.headers["ETag"] = etag(found.version)
    return found
