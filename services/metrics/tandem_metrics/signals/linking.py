"""Linking incidents to their causes, and counting them: the rule applied to stored facts, so the order in which
incidents and change implementations arrive does not change the result.

An incident is (re)linked when it arrives or changes, and when a change it may stem from is implemented (or its
impacted services become known) afterwards. A link that changes publishes `metrics.incident.linked.v1` (naming the
link it replaces) and a link that goes away `metrics.incident.unlinked.v1`; the incident's KPI contribution follows
its link (the change's team, the project and its category).
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import datetime, timedelta

from tandem_shared.contracts.metrics import IncidentLinked, IncidentUnlinked
from tandem_shared.uow import UnitOfWork

from tandem_metrics.changes.models import ChangeFacts
from tandem_metrics.changes.repository import Changes
from tandem_metrics.kpis.repository import KpiValues
from tandem_metrics.links.models import IncidentLink
from tandem_metrics.links.repository import IncidentLinks
from tandem_metrics.links.rules import ChangeCandidate, IncidentFacts, Link, link_for, window_of
from tandem_metrics.links.settings import link_settings
from tandem_metrics.projects.repository import Projects
from tandem_metrics.signals.models import Incident
from tandem_metrics.signals.repository import Incidents
from tandem_metrics.signals.rules import Counted, change_of, incident_counted

# In uow.cache while the rebuild replays events (rebuild/session.py): it relinks every incident once after the replay.
REPLAYING = "metrics.replaying"
RELINK = "metrics.relink_changes"  # uow.cache and before-commit key: changes whose incidents are relinked at commit


def candidate(change: ChangeFacts) -> ChangeCandidate:
    """An implemented change as the rule sees it."""
    assert change.implemented_at is not None
    return ChangeCandidate(change.change_id, change.implemented_at, frozenset(change.affected_cis or ()),
                           frozenset(change.services or ()), change.project_id, change.title)


def facts_of(incident: Incident) -> IncidentFacts:
    """An incident as the rule sees it."""
    return IncidentFacts(incident.opened_at, frozenset(incident.ci_ids or ()), incident.service_id,
                         incident.caused_by_change_id, incident.caused_by_project_id)


async def _publish(uow: UnitOfWork, incident: Incident, old: IncidentLink | None, new: Link | None,
                   at: datetime) -> None:
    """Keep the incident's link row and publish what changed about it."""
    links = uow.repo(IncidentLinks)
    if new is None:
        if old is not None:
            await uow.record(IncidentUnlinked(
                incident_id=incident.id, source_system=incident.source_system, external_id=incident.external_id,
                previous_change_id=old.change_id, previous_project_id=old.project_id,
                previous_priority=old.priority,  # type: ignore[arg-type]
                reason="the source names no cause and the linking rule finds no change"), actor=None)
            await links.delete(old)
        return
    moved = old is None or (old.change_id, old.project_id, old.priority) != (new.change_id, new.project_id,
                                                                              incident.priority)
    if moved:
        await uow.record(IncidentLinked(
            incident_id=incident.id, source_system=incident.source_system, external_id=incident.external_id,
            priority=incident.priority, opened_at=incident.opened_at,  # type: ignore[arg-type]
            service_id=incident.service_id, ci_ids=list(incident.ci_ids or ()), change_id=new.change_id,
            project_id=new.project_id, rule=new.rule, explanation=new.explanation,  # type: ignore[arg-type]
            ci_ids_in_common=list(new.ci_ids_in_common), hours_between=new.hours_between,
            window_days=new.window_days, previous_change_id=old.change_id if old else None,
            previous_project_id=old.project_id if old else None,
            previous_priority=old.priority if old else None), actor=None)  # type: ignore[arg-type]
    if old is None:
        old = IncidentLink(incident_id=incident.id)
        links.add(old)
    old.change_id, old.project_id, old.rule, old.explanation = new.change_id, new.project_id, new.rule, new.explanation
    old.ci_ids_in_common, old.hours_between, old.window_days = list(new.ci_ids_in_common), new.hours_between, \
        new.window_days
    old.priority = incident.priority
    if moved:
        old.linked_at = at


async def relink(uow: UnitOfWork, incidents: Iterable[Incident], *, at: datetime | None = None) -> None:
    """Apply the linking rule to incidents, keep and publish their links, and re-count their contributions."""
    incidents = sorted({i.id: i for i in incidents}.values(), key=lambda i: (i.opened_at, i.id))
    if not incidents:
        return
    window = link_settings().incident_link_window_days
    await uow.repo(IncidentLinks).lock_linking()
    changes = uow.repo(Changes)
    open_ = [i for i in incidents if not (i.caused_by_change_id or i.caused_by_project_id)]
    candidates: list[ChangeCandidate] = []
    if open_:
        start = min(i.opened_at for i in open_) - timedelta(days=window)
        found = await changes.implemented_between(start, max(i.opened_at for i in open_))
        candidates = sorted((candidate(c) for c in found), key=lambda c: c.implemented_at)
    ends = [c.implemented_at for c in candidates]
    named = await changes.by_ids(i.caused_by_change_id for i in incidents if i.caused_by_change_id)
    known = {cid: candidate(c) for cid, c in named.items() if c.implemented_at is not None}
    existing = await uow.repo(IncidentLinks).by_incidents(i.id for i in incidents)
    decided: dict[uuid.UUID, Link | None] = {}
    for incident in incidents:
        # Only the implementations of the incident's own window: a batch spanning months reads many more.
        first, last = window_of(incident.opened_at, window)
        nearby = candidates[bisect_left(ends, first):bisect_right(ends, last)]
        decided[incident.id] = link_for(facts_of(incident), nearby, window, known)
        await _publish(uow, incident, existing.get(incident.id), decided[incident.id], at or incident.updated_at)
    await recount(uow, incidents, decided)


async def recount(uow: UnitOfWork, incidents: list[Incident], links: dict[uuid.UUID, Link | None]) -> None:
    """Replace each incident's contribution to the KPI values by the one its data and link give now."""
    change_ids = {link.change_id for link in links.values() if link and link.change_id}
    teams = {cid: c.team for cid, c in (await uow.repo(Changes).by_ids(change_ids)).items()}
    categories = await uow.repo(Projects).categories(
        link.project_id for link in links.values() if link and link.project_id)
    values = uow.repo(KpiValues)
    for incident in incidents:
        link = links.get(incident.id)
        counted = incident_counted(
            priority=incident.priority, opened_at=incident.opened_at, resolved_at=incident.resolved_at,
            service_id=incident.service_id, change_id=link.change_id if link else None,
            project_id=link.project_id if link else None,
            team=teams.get(link.change_id) if link and link.change_id else None,
            category=categories.get(link.project_id) if link and link.project_id else None)
        increments = change_of(Counted.from_json(incident.counted), counted)
        if increments:
            await values.add(increments, at=incident.updated_at)
        incident.counted = counted.as_json()


def relink_for_change(uow: UnitOfWork, change_id: uuid.UUID, *, at: datetime) -> None:
    """After a change's implementation (or its services) became known: relink, before the commit, the incidents it
    may have caused.

    A consumed batch collects its changes and relinks once for all of them (`_relink_changes`): the rule reads stored
    facts, so relinking after the last change gives what relinking after each would, in three queries per batch
    rather than per change.
    """
    if uow.cache.get(REPLAYING):
        # A rebuild replaying events has no incidents yet: it relinks every incident once after the replay.
        return
    pending: dict[uuid.UUID, datetime] = uow.cache.setdefault(RELINK, {})
    pending[change_id] = max(at, pending.get(change_id, at))
    uow.before_commit(RELINK, _relink_changes)


def _ranges(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping windows of time merged (one query each)."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


async def _relink_changes(uow: UnitOfWork) -> None:
    """Relink the incidents the transaction's implemented changes may have caused, once for all of them."""
    pending: dict[uuid.UUID, datetime] = uow.cache.pop(RELINK, {})
    changes = [c for c in (await uow.repo(Changes).by_ids(pending)).values() if c.implemented_at is not None]
    if not changes:
        return
    window = timedelta(days=link_settings().incident_link_window_days)
    await uow.repo(IncidentLinks).lock_linking()  # before reading incidents: a batch committing meanwhile is seen
    incidents = uow.repo(Incidents)
    affected: dict[uuid.UUID, Incident] = {}
    for start, end in _ranges([(c.implemented_at, c.implemented_at + window) for c in changes
                               if c.implemented_at is not None]):
        for incident in await incidents.opened_between(start, end):
            if incident.caused_by_change_id or incident.caused_by_project_id:
                continue
            facts = facts_of(incident)
            if any(c.implemented_at is not None and c.implemented_at <= incident.opened_at <= c.implemented_at + window
                   and (facts.cis & set(c.affected_cis or ()) or (incident.service_id and incident.service_id in
                                                                   set(c.services or ()))) for c in changes):
                affected[incident.id] = incident
    ids = [c.change_id for c in changes]
    named = await incidents.caused_by_change(ids)
    linked = await uow.repo(IncidentLinks).incidents_of_change(ids)
    # Locked in id order (PostgreSQL): a batch of the same incidents sent meanwhile waits, then sees these links.
    locked = await incidents.by_ids([*affected, *(i.id for i in named), *linked], lock=True)
    # A link made now is stamped with the latest of the batch's implementations (the events that made it).
    await relink(uow, locked, at=max(pending[c.change_id] for c in changes))
