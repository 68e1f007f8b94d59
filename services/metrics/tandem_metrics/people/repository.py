"""Every query of the people, bookings and episodes projection."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.uow import UnitOfWork

from tandem_metrics.people.models import BookingFacts, EpisodeFacts, PersonFacts

_TEAMS = "metrics.people.teams"


class People:
    """People's teams, the teams bookings were counted under, and episodes' counted weeks."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def team_of(self, person_id: uuid.UUID) -> str | None:
        """A person's team (None when unknown); cached per transaction."""
        cache: dict[uuid.UUID, str | None] = UnitOfWork.of(self.session).cache.setdefault(_TEAMS, {})
        if person_id not in cache:
            row = await self.session.get(PersonFacts, person_id)
            cache[person_id] = row.team if row else None
        return cache[person_id]

    async def put_person(self, person_id: uuid.UUID, team: str, weekly_hours: float) -> None:
        """Remember a person's team and hours."""
        row = await self.session.get(PersonFacts, person_id)
        if row is None:
            self.session.add(PersonFacts(person_id=person_id, team=team, weekly_hours=weekly_hours))
        else:
            row.team, row.weekly_hours = team, weekly_hours
        UnitOfWork.of(self.session).cache.setdefault(_TEAMS, {})[person_id] = team

    async def booking_team(self, booking_id: uuid.UUID) -> tuple[bool, str | None]:
        """(known, team) of a booking counted before."""
        row = await self.session.get(BookingFacts, booking_id)
        return (row is not None, row.team if row else None)

    async def put_booking(self, booking_id: uuid.UUID, team: str | None) -> None:
        """Remember the team a booking's hours are counted under."""
        row = await self.session.get(BookingFacts, booking_id)
        if row is None:
            self.session.add(BookingFacts(booking_id=booking_id, team=team))
        else:
            row.team = team

    async def episode_weeks(self, episode_id: uuid.UUID) -> tuple[str, str] | None:
        """The weeks an episode was counted with, or None."""
        row = await self.session.get(EpisodeFacts, episode_id)
        return (row.first_week, row.last_week) if row else None

    async def put_episode(self, episode_id: uuid.UUID, first_week: str, last_week: str) -> None:
        """Remember the weeks an episode is counted with."""
        row = await self.session.get(EpisodeFacts, episode_id)
        if row is None:
            self.session.add(EpisodeFacts(episode_id=episode_id, first_week=first_week, last_week=last_week))
        else:
            row.first_week, row.last_week = first_week, last_week
