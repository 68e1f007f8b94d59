"""Routes of the CMDB under /change/v1: CIs, relationships, maintenance and blackout windows, import, impact."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from tandem_shared.api import PageDep, SessionDep, UTCDatetime, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_change.cmdb import importing, service
from tandem_change.cmdb.models import CIRelationship, ConfigurationItem
from tandem_change.cmdb.repository import (
    BlackoutRepository,
    CIRepository,
    MaintenanceWindowRepository,
    RelationshipRepository,
)
from tandem_change.cmdb.schemas import (
    BlackoutCreate,
    BlackoutPage,
    BlackoutRead,
    BlackoutScope,
    BlackoutUpdate,
    CIClass,
    CICreate,
    CIPage,
    CIRead,
    CIStatus,
    CIUpdate,
    Environment,
    ImportResult,
    MaintenanceWindowCreate,
    MaintenanceWindowRead,
    RelationshipCreate,
    RelationshipRead,
)

router = APIRouter(tags=["cmdb"], responses=PROBLEM_RESPONSES)
WRITERS = require_roles(*service.WRITER_ROLES)


def _rel_read(rel: CIRelationship, other: ConfigurationItem, direction: str) -> RelationshipRead:
    return RelationshipRead(id=rel.id, source_id=rel.source_id, target_id=rel.target_id, type=rel.type,
                            direction=direction, other_id=other.id, other_name=other.name, other_status=other.status,
                            created_by=rel.created_by, created_at=rel.created_at)


# --- configuration items ---


@router.post("/cis", status_code=status.HTTP_201_CREATED, response_model=CIRead, dependencies=[WRITERS],
             summary="Add a configuration item", description="409 when the name is taken. Writers: change_manager, "
             "service_owner, admin.")
async def create_ci(body: CICreate, session: SessionDep, actor: CurrentActor, response: Response) -> CIRead:
    ci = await service.create_ci(session, actor=actor, body=body)
    response.headers["Location"] = location("/change/v1/cis/{}", ci.id)
    response.headers["ETag"] = etag(ci.version)
    return CIRead.model_validate(ci)


@router.get("/cis", response_model=CIPage, summary="List configuration items (by name)")
async def list_cis(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    ci_class: CIClass | None = None,
    environment: Environment | None = None,
    max_criticality: Annotated[
        int | None, Query(ge=1, le=5, description="Only CIs this critical or more (1 = most).")] = None,
    owner_team: str | None = None,
    status: CIStatus | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Name contains this (case-insensitive).")] = None,
) -> CIPage:
    rows, cursor = await CIRepository(session).page(
        page, ci_class=ci_class, environment=environment, max_criticality=max_criticality, owner_team=owner_team,
        status=status, q=q)
    return CIPage(items=[CIRead.model_validate(c) for c in rows], next_cursor=cursor, limit=page.limit)


@router.get("/services", response_model=CIPage, summary="List business services",
            description="Configuration items of class business_service, by name.")
async def list_services(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    status: CIStatus | None = CIStatus.ACTIVE,
    q: Annotated[str | None, Query(max_length=200, description="Name contains this (case-insensitive).")] = None,
) -> CIPage:
    rows, cursor = await CIRepository(session).page(page, ci_class=CIClass.BUSINESS_SERVICE, status=status, q=q)
    return CIPage(items=[CIRead.model_validate(c) for c in rows], next_cursor=cursor, limit=page.limit)


@router.post("/cis/import", response_model=ImportResult, dependencies=[WRITERS], summary="Bulk import CIs",
             description="text/csv (header: name,ci_class,criticality,environment,owner_team,service_owner,min_up,"
             "description) or application/json (a list of the same objects). A new name is created, an existing one "
             "updated with the given fields (empty CSV cells are left as they are). Valid rows are applied in one "
             "transaction; each invalid row is reported with its 1-based row number, field and reason. At most "
             f"TANDEM_CHANGE_IMPORT_MAX_ROWS rows (default {importing.DEFAULT_MAX_ROWS}; a 413 problem naming the "
             "limit beyond, sent as soon as the body passes it) and TANDEM_MAX_IMPORT_BODY_BYTES (default 10 MiB).",
             responses={415: {"description": "The body is neither text/csv nor application/json"}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/CICreate"}}},
             }}})
async def import_cis(request: Request, session: SessionDep, actor: CurrentActor) -> ImportResult:
    rows = await importing.read_rows(request.stream(), request.headers.get("content-type", ""),
                                     max_rows=request.app.state.runtime.settings.import_max_rows)
    return await importing.import_cis(session, actor=actor, rows=rows)


@router.get("/cis/{ci_id}", response_model=CIRead, summary="Read a configuration item")
async def get_ci(ci_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, response: Response) -> CIRead:
    ci = await CIRepository(session).get_or_404(ci_id)
    response.headers["ETag"] = etag(ci.version)
    return CIRead.model_validate(ci)


@router.patch("/cis/{ci_id}", response_model=CIRead, dependencies=[WRITERS], summary="Change a configuration item",
              description="Send If-Match with the ETag you read (412 when stale). A retired CI cannot change (409).")
async def update_ci(ci_id: uuid.UUID, body: CIUpdate, request: Request, response: Response, session: SessionDep,
                    actor: CurrentActor) -> CIRead:
    ci = await CIRepository(session).get_or_404(ci_id)
    check_if_match(request, ci.version)
    ci = await service.update_ci(session, actor=actor, ci=ci, body=body)
    response.headers["ETag"] = etag(ci.version)
    return CIRead.model_validate(ci)


@router.delete("/cis/{ci_id}", response_model=CIRead, dependencies=[WRITERS], summary="Retire a configuration item",
               description="Sets status retired (never deletes): its relationships, windows and the changes that "
               "name it stay for history; it leaves impact analysis and cannot be named by new changes. 409 when "
               "already retired.")
async def retire_ci(ci_id: uuid.UUID, request: Request, response: Response, session: SessionDep,
                    actor: CurrentActor) -> CIRead:
    ci = await CIRepository(session).get_or_404(ci_id)
    check_if_match(request, ci.version)
    ci = await service.retire_ci(session, actor=actor, ci=ci)
    response.headers["ETag"] = etag(ci.version)
    return CIRead.model_validate(ci)


@router.get("/cis/{ci_id}/history", response_model=AuditPage, summary="Who did what to a configuration item",
            description=HISTORY_DESCRIPTION)
async def ci_history(ci_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await CIRepository(session).exists_or_404(ci_id)
    return await audit_page(session, "configuration_item", ci_id, page)


# --- relationships ---


@router.post("/cis/{ci_id}/relationships", status_code=status.HTTP_201_CREATED, response_model=RelationshipRead,
             dependencies=[WRITERS], summary="Relate this CI to a provider",
             description="This CI (source) depends_on / runs_on / connects_to target_id. 422 for a self-link or an "
             "unknown or retired target; 409 for a duplicate (connects_to counts both ways).")
async def add_relationship(ci_id: uuid.UUID, body: RelationshipCreate, session: SessionDep,
                           actor: CurrentActor) -> RelationshipRead:
    source = await CIRepository(session).get_or_404(ci_id)
    rel, target = await service.add_relationship(session, actor=actor, source=source, body=body)
    return _rel_read(rel, target, "outgoing")


@router.get("/cis/{ci_id}/relationships", response_model=list[RelationshipRead],
            summary="Relationships of a CI, both directions", description="outgoing: this CI depends on the other; "
            "incoming: the other depends on this CI. Ordered by the other CI's name.")
async def list_relationships(ci_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> list[RelationshipRead]:
    await CIRepository(session).get_or_404(ci_id)
    return [_rel_read(r, other, d) for r, other, d in await RelationshipRepository(session).of_ci(ci_id)]


@router.delete("/relationships/{relationship_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WRITERS],
               summary="Remove a relationship")
async def delete_relationship(relationship_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    rel = await RelationshipRepository(session).get_or_404(relationship_id)
    await service.delete_relationship(session, actor=actor, rel=rel)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- maintenance windows ---


@router.post("/cis/{ci_id}/maintenance-windows", status_code=status.HTTP_201_CREATED,
             response_model=MaintenanceWindowRead, dependencies=[WRITERS], summary="Add a recurring maintenance window",
             description="rrule is an RFC 5545 RRULE expanded from starts_at (UTC); 422 naming rrule when invalid.")
async def add_maintenance_window(ci_id: uuid.UUID, body: MaintenanceWindowCreate, session: SessionDep,
                                 actor: CurrentActor) -> MaintenanceWindowRead:
    ci = await CIRepository(session).get_or_404(ci_id)
    return MaintenanceWindowRead.model_validate(
        await service.add_maintenance_window(session, actor=actor, ci=ci, body=body))


@router.get("/cis/{ci_id}/maintenance-windows", response_model=list[MaintenanceWindowRead],
            summary="Maintenance windows of a CI")
async def list_maintenance_windows(ci_id: uuid.UUID, session: SessionDep,
                                   _actor: CurrentActor) -> list[MaintenanceWindowRead]:
    await CIRepository(session).get_or_404(ci_id)
    windows = await MaintenanceWindowRepository(session).of_cis([ci_id])
    return [MaintenanceWindowRead.model_validate(w) for w in windows]


@router.delete("/maintenance-windows/{window_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WRITERS],
               summary="Remove a maintenance window")
async def delete_maintenance_window(window_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    window = await MaintenanceWindowRepository(session).get_or_404(window_id)
    await service.delete_maintenance_window(session, actor=actor, window=window)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- blackout windows ---


@router.post("/blackout-windows", status_code=status.HTTP_201_CREATED, response_model=BlackoutRead,
             dependencies=[WRITERS], summary="Declare a blackout window",
             description="scope global (no ci_id), service (ci_id of a business_service CI) or ci (ci_id of a CI).")
async def create_blackout(body: BlackoutCreate, session: SessionDep, actor: CurrentActor,
                          response: Response) -> BlackoutRead:
    window = await service.create_blackout(session, actor=actor, body=body)
    response.headers["Location"] = location("/change/v1/blackout-windows/{}", window.id)
    response.headers["ETag"] = etag(window.version)
    return BlackoutRead.model_validate(window)


@router.get("/blackout-windows", response_model=BlackoutPage, summary="List blackout windows (by start)")
async def list_blackouts(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    from_: Annotated[UTCDatetime | None, Query(alias="from", description="Windows that end after this.")] = None,
    to: Annotated[UTCDatetime | None, Query(description="Windows that start before this.")] = None,
    scope: BlackoutScope | None = None,
    ci_id: Annotated[uuid.UUID | None, Query(description="Windows declared on this CI or service.")] = None,
) -> BlackoutPage:
    rows, cursor = await BlackoutRepository(session).page(page, start=from_, end=to, scope=scope, ci_id=ci_id)
    return BlackoutPage(items=[BlackoutRead.model_validate(w) for w in rows], next_cursor=cursor, limit=page.limit)


@router.get("/blackout-windows/{window_id}", response_model=BlackoutRead, summary="Read a blackout window")
async def get_blackout(window_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                       response: Response) -> BlackoutRead:
    window = await BlackoutRepository(session).get_or_404(window_id)
    response.headers["ETag"] = etag(window.version)
    return BlackoutRead.model_validate(window)


@router.get("/blackout-windows/{window_id}/history", response_model=AuditPage,
            summary="Who changed a blackout window", description=HISTORY_DESCRIPTION)
async def blackout_history(window_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                           page: PageDep) -> AuditPage:
    await BlackoutRepository(session).exists_or_404(window_id)
    return await audit_page(session, "blackout_window", window_id, page)


@router.patch("/blackout-windows/{window_id}", response_model=BlackoutRead, dependencies=[WRITERS],
              summary="Change a blackout window", description="If-Match with the ETag you read (412 when stale).")
async def update_blackout(window_id: uuid.UUID, body: BlackoutUpdate, request: Request, response: Response,
                          session: SessionDep, actor: CurrentActor) -> BlackoutRead:
    window = await BlackoutRepository(session).get_or_404(window_id)
    check_if_match(request, window.version)
    window = await service.update_blackout(session, actor=actor, window=window, body=body)
    response.headers["ETag"] = etag(window.version)
    return BlackoutRead.model_validate(window)


@router.delete("/blackout-windows/{window_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WRITERS],
               summary="Remove a blackout window")
async def delete_blackout(window_id: uuid.UUID, request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    window = await BlackoutRepository(session).get_or_404(window_id)
    check_if_match(request, window.version)
    await service.delete_blackout(session, actor=actor, window=window)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
