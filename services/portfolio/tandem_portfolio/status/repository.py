"""Every query of status overrides, status reports, and the capacity projection the resources rule reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams
from tandem_shared.errors import NotFound
from tandem_shared.repository import keyset_page

from tandem_portfolio.status.models import StatusOverride, StatusReport
from tandem_portfolio.status.projection import KnownPerson, Overallocation, ProjectBooking
from tandem_portfolio.status.rules import OverallocatedPerson


class StatusRepository:
    """Overrides and reports of projects."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def overrides(self, project_id: uuid.UUID) -> dict[str, StatusOverride]:
        """The project's overrides by dimension, expired ones included (the rules ignore those)."""
        stmt = sa.select(StatusOverride).where(StatusOverride.project_id == project_id)
        return {o.dimension: o for o in (await self.session.execute(stmt)).scalars()}

    async def put_override(self, override: StatusOverride) -> StatusOverride:
        """Set a dimension's override, replacing the one before."""
        merged = await self.session.merge(override)
        await self.session.flush()
        return merged

    async def delete_override(self, override: StatusOverride) -> None:
        """Remove an override."""
        await self.session.delete(override)
        await self.session.flush()

    async def report_of_week(self, project_id: uuid.UUID, week: str) -> StatusReport | None:
        """The project's report of an ISO week, if filed."""
        stmt = sa.select(StatusReport).where(StatusReport.project_id == project_id, StatusReport.week == week)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add_report(self, report: StatusReport) -> StatusReport:
        """File a report."""
        self.session.add(report)
        await self.session.flush()
        return report

    async def report_or_404(self, project_id: uuid.UUID, report_id: uuid.UUID) -> StatusReport:
        """The project's report, or a 404."""
        report = await self.session.get(StatusReport, report_id)
        if report is None or report.project_id != project_id:
            raise NotFound(f"no status report with id {report_id} in project {project_id}")
        return report

    async def reports(self, project_id: uuid.UUID, page: PageParams) -> tuple[Sequence[StatusReport], str | None]:
        """A page of the project's reports, newest first."""
        stmt = sa.select(StatusReport).where(StatusReport.project_id == project_id)
        return await keyset_page(self.session, stmt, sort=StatusReport.reported_at, tiebreak=StatusReport.id,
                                 descending=True, page=page)


class CapacityProjection:
    """What portfolio keeps of capacity's people, project bookings and over-allocation episodes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember_person(self, person_id: uuid.UUID, *, name: str, team: str | None) -> None:
        """Keep a person's name and team (a re-sent event refreshes them)."""
        person = await self.session.get(KnownPerson, person_id)
        if person is None:
            self.session.add(KnownPerson(person_id=person_id, name=name, team=team))
        else:
            person.name, person.team = name, team

    async def booking(self, booking_id: uuid.UUID) -> ProjectBooking | None:
        """A project booking as known."""
        return await self.session.get(ProjectBooking, booking_id)

    def add_booking(self, booking: ProjectBooking) -> None:
        """Keep a new project booking."""
        self.session.add(booking)

    async def episode(self, episode_id: uuid.UUID) -> Overallocation | None:
        """An over-allocation episode as known."""
        return await self.session.get(Overallocation, episode_id)

    def add_episode(self, episode: Overallocation) -> None:
        """Keep a new over-allocation episode."""
        self.session.add(episode)

    async def overallocated_on(self, project_id: uuid.UUID, this_week: str) -> list[OverallocatedPerson]:
        """People booked on the project whom capacity reports over-allocated, one entry each, by name."""
        # A booking counts while live and reaching this week or later, unless it ended before the episode began
        # (capacity announces an episode once, so its last week may have grown since: only its start is sure).
        stmt = (
            sa.select(Overallocation.person_id, KnownPerson.name, sa.func.max(Overallocation.team),
                      sa.func.min(Overallocation.first_week), sa.func.max(Overallocation.peak_utilisation))
            .join(ProjectBooking, ProjectBooking.person_id == Overallocation.person_id)
            .outerjoin(KnownPerson, KnownPerson.person_id == Overallocation.person_id)
            .where(ProjectBooking.project_id == project_id, ProjectBooking.released.is_(False),
                   Overallocation.open.is_(True), ProjectBooking.last_week >= this_week,
                   ProjectBooking.last_week >= Overallocation.first_week)
            .group_by(Overallocation.person_id, KnownPerson.name)
        )
        people = [OverallocatedPerson(name=name or f"person {person_id}", team=team, first_week=first,
                                      peak_utilisation=float(peak))
                  for person_id, name, team, first, peak in (await self.session.execute(stmt)).all()]
        return sorted(people, key=lambda p: (p.name, p.first_week))
