"""Episode checks: a booking's transaction notes whose episodes to bring in line (`loads`); a task does it just after.

Episodes follow bookings within a fraction of a second instead of inside the booking's transaction, whose length
is what an approved change waits for before its booking shows. The note is a row in the same transaction, so a
crash between the two loses nothing: the next pass (at start-up, or the fallback poll) finds it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tandem_shared.uow import UnitOfWork, unit_of_work

from tandem_capacity.episodes.service import recompute_episodes
from tandem_capacity.loads.repository import EpisodeCheckRepository
from tandem_capacity.loads.service import CHECKS_REQUESTED
from tandem_capacity.people.repository import PersonRepository

if TYPE_CHECKING:
    from tandem_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)
BATCH = 500


class EpisodeCheckSettings(BaseSettings):
    """`TANDEM_CAPACITY_EPISODE_CHECK_DELAY_SECONDS` and `TANDEM_CAPACITY_EPISODE_CHECK_POLL_SECONDS`."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_CAPACITY_", extra="ignore")

    episode_check_delay_seconds: float = Field(
        0.0, ge=0, le=10, description="Wait after a booking commit before checking (longer: bursts coalesce more).")
    episode_check_poll_seconds: float = Field(5.0, gt=0, le=3600, description="Look for checks without a wake-up.")


async def run_pending_checks(uow: UnitOfWork) -> int:
    """Bring the episodes of up to a batch of noted people in line, in the caller's transaction; return how many."""
    checks = uow.repo(EpisodeCheckRepository)
    notes = await checks.claim(BATCH)
    by_actor: dict[str, list[uuid.UUID]] = {}
    for note in notes:
        by_actor.setdefault(note.actor, []).append(note.person_id)
    # Everyone in id order first: recomputing per actor would lock them group by group, out of order with a
    # concurrent recompute of several of them (a holiday import) and so open to a deadlock.
    await uow.repo(PersonRepository).lock([note.person_id for note in notes])
    for actor, person_ids in by_actor.items():
        await recompute_episodes(uow, actor=actor, person_ids=person_ids)
    await checks.done(notes)
    return len(notes)


async def run_all_pending_checks(maker: async_sessionmaker[AsyncSession]) -> None:
    """Work off every noted check, a batch per transaction."""
    while True:
        async with unit_of_work(maker) as uow:
            done = await run_pending_checks(uow)
        if done < BATCH:
            return


async def check_episodes(runtime: ServiceRuntime) -> None:
    """Work off episode checks shortly after each commit that noted some, and every poll interval regardless."""
    settings = EpisodeCheckSettings()
    woken = asyncio.Event()
    woken.set()  # checks a crash left behind are done at start-up
    runtime.wake_after_commit(CHECKS_REQUESTED, woken.set)
    while True:
        try:
            await asyncio.wait_for(woken.wait(), settings.episode_check_poll_seconds)
        except TimeoutError:
            pass
        await asyncio.sleep(settings.episode_check_delay_seconds)
        woken.clear()
        try:
            await run_all_pending_checks(runtime.sessionmaker)
        except Exception as exc:  # noqa: BLE001 - the database may be away; the notes stay for the next pass
            log.warning("capacity: episode check pass failed: %s", exc)
