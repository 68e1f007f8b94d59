"""Over-allocation and burnout-risk episodes brought in line with bookings and supply, published once each way."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from tandem_shared.contracts.capacity import (
    PersonBurnoutRiskCleared,
    PersonBurnoutRiskRaised,
    PersonOverallocated,
    PersonOverallocationCleared,
)
from tandem_shared.db import utcnow
from tandem_shared.uow import UnitOfWork

from tandem_capacity.availability.service import available_by_person
from tandem_capacity.bookings.rules import iso_weeks
from tandem_capacity.episodes.repository import EpisodeRepository, StoredEpisode
from tandem_capacity.episodes.rules import OVERALLOCATED, OpenEpisode, find_runs, reconcile, utilisation
from tandem_capacity.loads.repository import LoadRepository
from tandem_capacity.people.repository import PersonRepository

RAISED = {OVERALLOCATED: PersonOverallocated, "burnout_risk": PersonBurnoutRiskRaised}
CLEARED = {OVERALLOCATED: PersonOverallocationCleared, "burnout_risk": PersonBurnoutRiskCleared}


def _monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


async def recompute_episodes(uow: UnitOfWork, *, actor: str, person_ids: Collection[uuid.UUID]) -> None:
    """Bring the people's episodes in line with their bookings and availability now.

    Each person's whole booked span is recomputed (weeks without bookings end every run), so a change anywhere
    can join, split, extend or end episodes; only starts and ends are published.
    """
    if not person_ids:
        return
    # One recompute of a person at a time (supply requests, the check task, other replicas): without it two would
    # both find no open episode and both raise one, or both clear it. Taken before anything is read, so the one that
    # waited reads what the other committed.
    await uow.repo(PersonRepository).lock(person_ids)
    booked = await uow.repo(LoadRepository).booked(set(person_ids))
    episodes = uow.repo(EpisodeRepository)
    stored = await episodes.open_for(person_ids)
    involved = set(booked) | {e.person_id for e in stored}
    if not involved:
        return
    people = {person.id: person for person in await uow.repo(PersonRepository).rows_by_id(involved)}
    all_weeks = [week for weeks in booked.values() for week in weeks]
    weeks = iso_weeks(_monday(min(all_weeks)), _monday(max(all_weeks))) if all_weeks else []
    available = await available_by_person(uow.session, list(people.values()), weeks)
    open_by_person: dict[uuid.UUID, list[StoredEpisode]] = {}
    for episode in stored:
        open_by_person.setdefault(episode.person_id, []).append(episode)
    extended: list[StoredEpisode] = []
    cleared: list[uuid.UUID] = []
    now = utcnow()
    for person_id in sorted(involved):
        person = people[person_id]
        hours = booked.get(person_id, {})
        lo, hi = (min(hours), max(hours)) if hours else ("~", "")
        span = [key for key, _ in weeks if lo <= key <= hi]
        series = [(key, utilisation(hours.get(key, 0.0), available[person_id].get(key, 0.0))) for key in span]
        mine = {e.id: e for e in open_by_person.get(person_id, [])}
        changes = reconcile([OpenEpisode(e.id, e.kind, e.first_week, e.last_week, e.peak_utilisation)
                             for e in mine.values()], find_runs(series))
        for run in changes.raised:
            row = {"id": uuid.uuid4(), "person_id": person_id, "kind": run.kind, "first_week": run.first_week,
                   "last_week": run.last_week, "peak_utilisation": run.peak, "status": "open", "opened_at": now,
                   "cleared_at": None}
            await episodes.add(row)
            await _announce(uow, actor, RAISED[run.kind], StoredEpisode(
                row["id"], person_id, run.kind, run.first_week, run.last_week, run.peak), "open", person.team, "raise")
        for before, run in changes.continued:
            episode = mine[before.id]
            moved = episode._replace(first_week=run.first_week, last_week=run.last_week,
                                     peak_utilisation=max(episode.peak_utilisation, run.peak))
            if moved != episode:
                extended.append(moved)
        for before in changes.cleared:
            episode = mine[before.id]
            cleared.append(episode.id)
            await _announce(uow, actor, CLEARED[episode.kind], episode, "cleared", person.team, "clear")
    await episodes.extend(extended)
    await episodes.clear(cleared, now)


async def _announce(uow: UnitOfWork, actor: str, contract: type, episode: StoredEpisode, status: str,
                    team: str, action: str) -> None:
    await uow.audit(actor=actor, action=action, entity_type="capacity_episode", entity_id=episode.id,
                    to_state=status, detail={"person_id": str(episode.person_id), "kind": episode.kind,
                                             "first_week": episode.first_week, "last_week": episode.last_week})
    await uow.record(contract(
        episode_id=episode.id, person_id=episode.person_id, team=team, first_week=episode.first_week,
        last_week=episode.last_week, peak_utilisation=episode.peak_utilisation,
    ), actor=actor)
