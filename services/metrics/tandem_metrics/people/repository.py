"""Every query of the people, bookings and episodes projection.

Written by most capacity events, so kept as keyed Core rows (`tandem_shared.rows.KeyedRows`), not ORM objects.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.rows import KeyedRows

from tandem_metrics.people.models import BookingFacts, EpisodeFacts, PersonFacts


class People:
    """People's teams, the teams bookings were counted under, and episodes' counted weeks."""

    def __init__(self, session: AsyncSession) -> None:
        self.people = KeyedRows(session, PersonFacts.__table__)  # type: ignore[arg-type]
        self.bookings = KeyedRows(session, BookingFacts.__table__)  # type: ignore[arg-type]
        self.episodes = KeyedRows(session, EpisodeFacts.__table__)  # type: ignore[arg-type]

    async def team_of(self, person_id: uuid.UUID) -> str | None:
        """A person's team (None when unknown)."""
        row = await self.people.get(person_id)
        return row["team"] if row else None

    async def put_person(self, person_id: uuid.UUID, team: str, weekly_hours: float) -> None:
        """Remember a person's team and hours."""
        await self.people.put(person_id, team=team, weekly_hours=weekly_hours)

    async def booking_team(self, booking_id: uuid.UUID) -> tuple[bool, str | None]:
        """(known, team) of a booking counted before."""
        row = await self.bookings.get(booking_id)
        return (row is not None, row["team"] if row else None)

    async def put_booking(self, booking_id: uuid.UUID, team: str | None) -> None:
        """Remember the team a booking's hours are counted under."""
        await self.bookings.put(booking_id, team=team)

    async def episode_weeks(self, episode_id: uuid.UUID) -> tuple[str, str] | None:
        """The weeks an episode was counted with, or None."""
        row = await self.episodes.get(episode_id)
        return (row["first_week"], row["last_week"]) if row else None

    async def put_episode(self, episode_id: uuid.UUID, first_week: str, last_week: str) -> None:
        """Remember the weeks an episode is counted with."""
        await self.episodes.put(episode_id, first_week=first_week, last_week=last_week)
