"""What every booking change keeps in its transaction: the person's weekly load, and a note for the episode check.

A use case calls `booking_changed` for each booking it adds, moves or releases; the deltas are collected in the unit
of work and applied once just before the commit, so a consumer's batch of hundreds of bookings updates each person
once. The note makes the episode check (`episodes.checks`) bring the person's episodes in line just after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from tandem_shared.uow import UnitOfWork

from tandem_capacity.loads.repository import EpisodeCheckRepository, LoadRepository

CHECKS_REQUESTED = "capacity.episode_checks_requested"  # the signal that wakes the episode check after a commit
PENDING_LOADS = "capacity.pending_loads"


def booking_changed(uow: UnitOfWork, *, actor: str, person_id: uuid.UUID, added: Iterable[tuple[str, float]] = (),
                    removed: Iterable[tuple[str, float]] = ()) -> None:
    """Call after any change to a person's active bookings: their weekly load follows before the commit.

    `added` and `removed` are (ISO week, hours) of the booking weeks that became active or stopped being active.
    """
    pending: dict[uuid.UUID, tuple[str, list[tuple[str, float]]]] = uow.cache.setdefault(PENDING_LOADS, {})
    _actor, deltas = pending.get(person_id, (actor, []))
    deltas.extend((week, hours) for week, hours in added)
    deltas.extend((week, -hours) for week, hours in removed)
    pending[person_id] = (actor, deltas)
    uow.before_commit(PENDING_LOADS, _apply_pending_loads)


async def _apply_pending_loads(uow: UnitOfWork) -> None:
    pending: dict[uuid.UUID, tuple[str, list[tuple[str, float]]]] = uow.cache.pop(PENDING_LOADS, {})
    await uow.repo(LoadRepository).add_hours_many(
        {person_id: deltas for person_id, (_actor, deltas) in pending.items()})
    await request_checks(uow, {person_id: actor for person_id, (actor, _deltas) in pending.items()})


async def request_checks(uow: UnitOfWork, actors: Mapping[uuid.UUID, str]) -> None:
    """Note in the unit's transaction that these people's episodes need a check (person → acting user)."""
    if not actors:
        return
    await uow.repo(EpisodeCheckRepository).note(actors)
    uow.signal(CHECKS_REQUESTED)
