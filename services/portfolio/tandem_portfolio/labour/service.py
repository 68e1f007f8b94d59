"""Labour cost use cases: keep rates and booked weeks, and recompute the projects they touch once per transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from tandem_shared.contracts.capacity import WeekHours
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.costs.service import budget_of
from tandem_portfolio.labour.repository import LabourRepository
from tandem_portfolio.labour.rules import labour_by_month, labour_currency
from tandem_portfolio.projects.repository import ProjectRepository

# uow.cache key: the projects whose labour cost this transaction recomputes before it commits. A consumer's batch
# of a hundred bookings on one project recomputes it once.
PENDING = "labour_cost_projects"


def _recompute_later(uow: UnitOfWork, project_ids: Iterable[uuid.UUID]) -> None:
    pending: set[uuid.UUID] = uow.cache.setdefault(PENDING, set())
    pending.update(project_ids)
    if pending:
        uow.before_commit(PENDING, _recompute_pending)


async def _recompute_pending(uow: UnitOfWork) -> None:
    pending: set[uuid.UUID] = uow.cache.pop(PENDING, set())
    for project_id in sorted(pending):  # a stable order: two transactions lock projects' rows alike
        await recompute_project(uow, project_id)


async def keep_booking(uow: UnitOfWork, *, booking_id: uuid.UUID, person_id: uuid.UUID,
                       project_id: uuid.UUID | None, weeks: list[WeekHours], live: bool) -> None:
    """Keep a booking's weekly hours while it is a live project booking; recompute the projects it moved between."""
    labour = uow.repo(LabourRepository)
    before = await labour.projects_of_booking(booking_id)
    rows = [] if project_id is None or not live else [
        {"booking_id": booking_id, "week": w.week, "project_id": project_id, "person_id": person_id, "hours": w.hours}
        for w in weeks if w.hours > 0]
    await labour.replace_weeks(booking_id, rows)
    _recompute_later(uow, before | ({project_id} if rows and project_id else set()))


async def set_rate(uow: UnitOfWork, *, person_id: uuid.UUID, rate: Decimal | None, currency: str | None,
                   changed_by: str, changed_at: datetime) -> None:
    """Keep a person's new rate; every project they are booked on is costed again at it."""
    labour = uow.repo(LabourRepository)
    await labour.set_rate(person_id, rate=rate, currency=currency if rate is not None else None,
                          changed_by=changed_by, changed_at=changed_at)
    _recompute_later(uow, await labour.projects_of_person(person_id))


async def recompute_project(uow: UnitOfWork, project_id: uuid.UUID) -> None:
    """The project's labour cost per month from its booked weeks at today's rates, in the project's currency."""
    project = await uow.repo(ProjectRepository).get(project_id)
    if project is None:  # booked for a project id portfolio does not know: nothing to cost
        return
    labour = uow.repo(LabourRepository)
    lines = await labour.lines(project_id)
    currency = labour_currency((await budget_of(uow, project)).currency, lines)
    await labour.replace_labour(project_id, labour_by_month(lines, currency), currency)
