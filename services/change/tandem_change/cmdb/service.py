"""CMDB use cases: each writes its rows, the audit row and the event in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.change import (
    BlackoutWindowCreated,
    BlackoutWindowDeleted,
    BlackoutWindowUpdated,
    CICreated,
    CIRelationshipCreated,
    CIRelationshipDeleted,
    CIRetired,
    CIUpdated,
    MaintenanceWindowCreated,
    MaintenanceWindowDeleted,
)
from tandem_shared.errors import Conflict, Forbidden, InvalidTransition, ValidationProblem
from tandem_shared.repository import record_audit
from tandem_shared.uow import record_event

from tandem_change.cmdb.graph_cache import mark_cmdb_changed
from tandem_change.cmdb.models import BlackoutWindow, CIRelationship, ConfigurationItem, MaintenanceWindow
from tandem_change.cmdb.repository import (
    BlackoutRepository,
    ChangeCIRepository,
    CIRepository,
    MaintenanceWindowRepository,
    RelationshipRepository,
)
from tandem_change.cmdb.schemas import (
    BlackoutCreate,
    BlackoutScope,
    BlackoutUpdate,
    CICreate,
    CIUpdate,
    MaintenanceWindowCreate,
    RelationshipCreate,
    check_scope,
)
from tandem_change.record.models import Change

WRITER_ROLES = ("change_manager", "service_owner")
ANY_CI_ROLES = ("change_manager",)  # act on every CI and window (and admin); service owners on their own
ACTIVE, RETIRED = "active", "retired"
CI_FIELDS = ("name", "ci_class", "criticality", "environment", "owner_team", "service_owner", "min_up", "description")


def may_change_ci(actor: Actor, ci: ConfigurationItem) -> bool:
    """Change managers (and admins) act on every CI; a service owner on the CIs they own or registered."""
    return actor.has_any(*ANY_CI_ROLES) or actor.sub in {ci.service_owner, ci.created_by}


def require_ci_owner(actor: Actor, ci: ConfigurationItem, action: str) -> None:
    """403 naming who may act, unless the actor may change the CI."""
    if not may_change_ci(actor, ci):
        raise Forbidden(f"only the CI's service owner ({ci.service_owner or 'none named'}), whoever registered it "
                        f"({ci.created_by}) or a change manager may {action} '{ci.name}'", reason="not_owner",
                        required_roles=list(ANY_CI_ROLES))


def require_blackout_owner(actor: Actor, window: BlackoutWindow, action: str) -> None:
    """403 unless the actor declared the blackout window or is a change manager (or admin)."""
    if not (actor.has_any(*ANY_CI_ROLES) or actor.sub == window.created_by):
        raise Forbidden(f"only whoever declared it ({window.created_by}) or a change manager may {action} this "
                        f"blackout window", reason="not_owner", required_roles=list(ANY_CI_ROLES))


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


async def _unique_name(session: AsyncSession, name: str, *, other_than: uuid.UUID | None = None) -> None:
    existing = await CIRepository(session).by_name(name)
    if existing is not None and existing.id != other_than:
        raise Conflict(f"a configuration item named '{name}' already exists", existing_id=str(existing.id))


def _created_event(ci: ConfigurationItem, actor: Actor) -> CICreated:
    return CICreated(id=ci.id, name=ci.name, ci_class=ci.ci_class, criticality=ci.criticality,
                     environment=ci.environment, owner_team=ci.owner_team, service_owner=ci.service_owner,
                     min_up=ci.min_up, status=ci.status, created_by=actor.sub)


async def create_ci(session: AsyncSession, *, actor: Actor, body: CICreate,
                    unique_checked: bool = False) -> ConfigurationItem:
    """Add a configuration item."""
    if not unique_checked:
        await _unique_name(session, body.name)
    values = {f: _plain(getattr(body, f)) for f in CI_FIELDS}
    ci = ConfigurationItem(**values, status=ACTIVE, created_by=actor.sub)
    session.add(ci)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same name
        raise Conflict(f"a configuration item named '{body.name}' already exists") from exc
    mark_cmdb_changed(session)
    await record_audit(session, actor=actor.sub, action="create", entity_type="configuration_item",
                       entity_id=ci.id, to_state=ci.status)
    await record_event(session, _created_event(ci, actor), actor=actor.sub)
    return ci


async def update_ci(session: AsyncSession, *, actor: Actor, ci: ConfigurationItem, body: CIUpdate,
                    unique_checked: bool = False) -> ConfigurationItem:
    """Change fields of an active CI; records and publishes only the fields that changed."""
    require_ci_owner(actor, ci, "change")
    if ci.status == RETIRED:
        raise InvalidTransition(entity="configuration item", state=ci.status, action="update", allowed=[])
    changes = {f: _plain(getattr(body, f)) for f in body.model_fields_set if _plain(getattr(body, f)) != getattr(ci, f)}
    if not changes:
        return ci
    if "name" in changes and not unique_checked:
        await _unique_name(session, changes["name"], other_than=ci.id)
    before = history.snapshot(ci, sorted(changes))
    for name, value in changes.items():
        setattr(ci, name, value)
    await session.flush()
    mark_cmdb_changed(session)
    await record_audit(session, actor=actor.sub, action="update", entity_type="configuration_item",
                       entity_id=ci.id, detail={"fields": sorted(changes)},
                       changes=history.changes(before, history.snapshot(ci, before)))
    await record_event(session, CIUpdated(id=ci.id, name=ci.name, changed_fields=sorted(changes), changes=changes,
                                          version=ci.version, updated_by=actor.sub), actor=actor.sub)
    return ci


async def retire_ci(session: AsyncSession, *, actor: Actor, ci: ConfigurationItem) -> ConfigurationItem:
    """Retire a CI: it leaves impact analysis and new changes; its relationships stay for history."""
    require_ci_owner(actor, ci, "retire")
    if ci.status == RETIRED:
        raise InvalidTransition(entity="configuration item", state=ci.status, action="retire", allowed=[])
    ci.status = RETIRED
    await session.flush()
    mark_cmdb_changed(session)
    await record_audit(session, actor=actor.sub, action="retire", entity_type="configuration_item",
                       entity_id=ci.id, from_state=ACTIVE, to_state=RETIRED)
    await record_event(session, CIRetired(id=ci.id, name=ci.name, retired_by=actor.sub), actor=actor.sub)
    return ci


async def _active_ci(session: AsyncSession, ci_id: uuid.UUID, field: str) -> ConfigurationItem:
    ci = await CIRepository(session).get(ci_id)
    if ci is None:
        raise ValidationProblem.field(field, f"no configuration item {ci_id}")
    if ci.status != ACTIVE:
        raise ValidationProblem.field(field, f"configuration item {ci_id} ('{ci.name}') is retired")
    return ci


async def add_relationship(session: AsyncSession, *, actor: Actor, source: ConfigurationItem,
                           body: RelationshipCreate) -> tuple[CIRelationship, ConfigurationItem]:
    """Link source (the dependent) to target (the provider); no self-links, no duplicates."""
    require_ci_owner(actor, source, "relate")
    if source.status != ACTIVE:
        raise InvalidTransition(entity="configuration item", state=source.status, action="relate", allowed=[])
    if body.target_id == source.id:
        raise ValidationProblem.field("target_id", "a configuration item cannot be related to itself")
    target = await _active_ci(session, body.target_id, "target_id")
    repo = RelationshipRepository(session)
    kind = body.type.value
    # connects_to is symmetric, so B connects_to A duplicates A connects_to B.
    if await repo.exists(source.id, target.id, kind) or (
            kind == "connects_to" and await repo.exists(target.id, source.id, kind)):
        raise Conflict(f"'{source.name}' already has a {kind} relationship with '{target.name}'")
    mark_cmdb_changed(session)
    rel = await repo.add(CIRelationship(source_id=source.id, target_id=target.id, type=kind, created_by=actor.sub))
    detail = {"source_id": str(source.id), "target_id": str(target.id), "type": kind}
    await record_audit(session, actor=actor.sub, action="create", entity_type="ci_relationship", entity_id=rel.id,
                       detail=detail)
    await record_event(session, CIRelationshipCreated(id=rel.id, source_id=source.id, target_id=target.id, type=kind,
                                                      created_by=actor.sub), actor=actor.sub)
    return rel, target


async def delete_relationship(session: AsyncSession, *, actor: Actor, rel: CIRelationship) -> None:
    """Remove a relationship (its source's owners: the dependent says what it depends on)."""
    source = await CIRepository(session).get(rel.source_id)
    if source is not None:
        require_ci_owner(actor, source, "remove a relationship of")
    await session.delete(rel)
    await session.flush()
    mark_cmdb_changed(session)
    detail = {"source_id": str(rel.source_id), "target_id": str(rel.target_id), "type": rel.type}
    await record_audit(session, actor=actor.sub, action="delete", entity_type="ci_relationship", entity_id=rel.id,
                       detail=detail)
    await record_event(session, CIRelationshipDeleted(id=rel.id, source_id=rel.source_id, target_id=rel.target_id,
                                                      type=rel.type, deleted_by=actor.sub), actor=actor.sub)


async def add_maintenance_window(session: AsyncSession, *, actor: Actor, ci: ConfigurationItem,
                                 body: MaintenanceWindowCreate) -> MaintenanceWindow:
    """Define a recurring maintenance window on an active CI (the RRULE was validated by the schema)."""
    require_ci_owner(actor, ci, "add a maintenance window to")
    if ci.status != ACTIVE:
        raise InvalidTransition(entity="configuration item", state=ci.status, action="add a maintenance window to",
                                allowed=[])
    window = await MaintenanceWindowRepository(session).add(MaintenanceWindow(
        ci_id=ci.id, rrule=body.rrule, starts_at=body.starts_at, duration_minutes=body.duration_minutes,
        description=body.description))
    await record_audit(session, actor=actor.sub, action="create", entity_type="maintenance_window",
                       entity_id=window.id, detail={"ci_id": str(ci.id), "rrule": window.rrule})
    await record_event(session, MaintenanceWindowCreated(
        id=window.id, ci_id=ci.id, rrule=window.rrule, starts_at=window.starts_at,
        duration_minutes=window.duration_minutes, created_by=actor.sub), actor=actor.sub)
    return window


async def delete_maintenance_window(session: AsyncSession, *, actor: Actor, window: MaintenanceWindow) -> None:
    """Remove a maintenance window (its CI's owners)."""
    ci = await CIRepository(session).get(window.ci_id)
    if ci is not None:
        require_ci_owner(actor, ci, "remove a maintenance window of")
    await session.delete(window)
    await session.flush()
    await record_audit(session, actor=actor.sub, action="delete", entity_type="maintenance_window",
                       entity_id=window.id, detail={"ci_id": str(window.ci_id), "rrule": window.rrule})
    await record_event(session, MaintenanceWindowDeleted(id=window.id, ci_id=window.ci_id, deleted_by=actor.sub),
                       actor=actor.sub)


async def _check_blackout_target(session: AsyncSession, scope: str, ci_id: uuid.UUID | None) -> None:
    try:
        check_scope(scope, ci_id)
    except ValueError as exc:
        raise ValidationProblem.field("ci_id", str(exc)) from exc
    if ci_id is None:
        return
    ci = await _active_ci(session, ci_id, "ci_id")
    if scope == BlackoutScope.SERVICE and ci.ci_class != "business_service":
        raise ValidationProblem.field(
            "ci_id", f"scope service needs a business_service CI; '{ci.name}' is a {ci.ci_class}")


def _blackout_event_fields(window: BlackoutWindow) -> dict[str, Any]:
    return {"id": window.id, "name": window.name, "start": window.start, "end": window.end, "scope": window.scope,
            "ci_id": window.ci_id}


async def create_blackout(session: AsyncSession, *, actor: Actor, body: BlackoutCreate) -> BlackoutWindow:
    """Declare a blackout window."""
    await _check_blackout_target(session, body.scope.value, body.ci_id)
    window = await BlackoutRepository(session).add(BlackoutWindow(
        name=body.name, reason=body.reason, start=body.start, end=body.end, scope=body.scope.value, ci_id=body.ci_id,
        created_by=actor.sub))
    await record_audit(session, actor=actor.sub, action="create", entity_type="blackout_window", entity_id=window.id)
    await record_event(session, BlackoutWindowCreated(**_blackout_event_fields(window), created_by=actor.sub),
                       actor=actor.sub)
    return window


async def update_blackout(session: AsyncSession, *, actor: Actor, window: BlackoutWindow,
                          body: BlackoutUpdate) -> BlackoutWindow:
    """Change a blackout window; the result must still be a valid window."""
    require_blackout_owner(actor, window, "change")
    for name in ("name", "start", "end", "scope"):
        if name in body.model_fields_set and getattr(body, name) is None:
            raise ValidationProblem.field(name, "cannot be null")
    changes = {f: _plain(getattr(body, f)) for f in body.model_fields_set
               if _plain(getattr(body, f)) != getattr(window, f)}
    if not changes:
        return window
    merged = {f: changes.get(f, getattr(window, f)) for f in ("start", "end", "scope", "ci_id")}
    if merged["end"] <= merged["start"]:
        raise ValidationProblem.field("end", "must be after start")
    await _check_blackout_target(session, merged["scope"], merged["ci_id"])
    before = history.snapshot(window, sorted(changes))
    for name, value in changes.items():
        setattr(window, name, value)
    await session.flush()
    await record_audit(session, actor=actor.sub, action="update", entity_type="blackout_window", entity_id=window.id,
                       detail={"changed_fields": sorted(changes)},
                       changes=history.changes(before, history.snapshot(window, before)))
    await record_event(session, BlackoutWindowUpdated(**_blackout_event_fields(window), version=window.version,
                                                      updated_by=actor.sub), actor=actor.sub)
    return window


async def delete_blackout(session: AsyncSession, *, actor: Actor, window: BlackoutWindow) -> None:
    """Remove a blackout window."""
    require_blackout_owner(actor, window, "remove")
    await session.delete(window)
    await session.flush()
    await record_audit(session, actor=actor.sub, action="delete", entity_type="blackout_window", entity_id=window.id,
                       detail={"name": window.name})
    await record_event(session, BlackoutWindowDeleted(id=window.id, deleted_by=actor.sub), actor=actor.sub)


async def link_affected_cis(session: AsyncSession, change: Change, ci_ids: Sequence[uuid.UUID]) -> None:
    """Make these active CIs the affected CIs of the change (change_cis and the affected_cis column)."""
    unique = list(dict.fromkeys(ci_ids))
    statuses = await CIRepository(session).statuses(unique)
    unknown = [str(i) for i in unique if i not in statuses]
    retired = [str(i) for i in unique if statuses.get(i) == RETIRED]
    if unknown or retired:
        reasons = ([f"unknown CI ids: {', '.join(unknown)}"] if unknown else []) + (
            [f"retired CI ids: {', '.join(retired)}"] if retired else [])
        raise ValidationProblem("affected_cis: " + "; ".join(reasons), errors=[{
            "field": "affected_cis", "message": "; ".join(reasons), "unknown_ids": unknown, "retired_ids": retired}])
    await ChangeCIRepository(session).replace(change.id, unique)
    as_text = [str(i) for i in unique]
    if change.affected_cis != as_text:  # an equal list would still cost an UPDATE and a version bump
        change.affected_cis = as_text
