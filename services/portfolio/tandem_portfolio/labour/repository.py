"""Every query of labour cost: cost rates, booked weeks, and the `actual_labour_cost` rows it writes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.db import utcnow

from tandem_portfolio.costs.models import ActualLabourCost
from tandem_portfolio.labour.models import LabourBookingWeek, PersonCostRate
from tandem_portfolio.labour.rules import LabourLine, LabourMonth


class LabourRepository:
    """Cost rates and booked weeks as capacity announced them, and the labour cost kept from them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set_rate(self, person_id: uuid.UUID, *, rate: Decimal | None, currency: str | None, changed_by: str,
                       changed_at: datetime) -> None:
        """Keep a person's rate (the latest announcement wins; capacity sends them in order per person)."""
        known = await self.session.get(PersonCostRate, person_id)
        if known is None:
            self.session.add(PersonCostRate(person_id=person_id, rate=rate, currency=currency, changed_by=changed_by,
                                            changed_at=changed_at))
        else:
            known.rate, known.currency, known.changed_by, known.changed_at = rate, currency, changed_by, changed_at

    async def projects_of_booking(self, booking_id: uuid.UUID) -> set[uuid.UUID]:
        """The project a booking's kept weeks count for (empty when none are kept)."""
        stmt = sa.select(LabourBookingWeek.project_id).where(LabourBookingWeek.booking_id == booking_id).distinct()
        return set((await self.session.execute(stmt)).scalars())

    async def projects_of_person(self, person_id: uuid.UUID) -> set[uuid.UUID]:
        """The projects a person has booked weeks on."""
        stmt = sa.select(LabourBookingWeek.project_id).where(LabourBookingWeek.person_id == person_id).distinct()
        return set((await self.session.execute(stmt)).scalars())

    async def replace_weeks(self, booking_id: uuid.UUID, rows: Sequence[dict[str, object]]) -> None:
        """Replace a booking's weeks with these rows (none: the booking counts no more)."""
        await self.session.execute(sa.delete(LabourBookingWeek).where(LabourBookingWeek.booking_id == booking_id))
        if rows:
            await self.session.execute(sa.insert(LabourBookingWeek), list(rows))

    async def lines(self, project_id: uuid.UUID) -> list[LabourLine]:
        """Every booked week of the project with the person's rate (None without one)."""
        stmt = (sa.select(LabourBookingWeek.week, LabourBookingWeek.hours, PersonCostRate.rate,
                          PersonCostRate.currency)
                .outerjoin(PersonCostRate, PersonCostRate.person_id == LabourBookingWeek.person_id)
                .where(LabourBookingWeek.project_id == project_id))
        # SQLite gives NUMERIC back as a float: through its text to the cents it was stored with.
        return [LabourLine(week, hours, None if rate is None else Decimal(str(rate)).quantize(Decimal("0.01")),
                           currency) for week, hours, rate, currency in (await self.session.execute(stmt)).all()]

    async def replace_labour(self, project_id: uuid.UUID, months: Sequence[LabourMonth], currency: str | None) -> None:
        """The project's labour cost rows become these months (in `currency`)."""
        await self.session.execute(sa.delete(ActualLabourCost).where(ActualLabourCost.project_id == project_id))
        if months and currency:
            now = utcnow()
            await self.session.execute(sa.insert(ActualLabourCost), [
                {"project_id": project_id, "month": m.month, "amount": m.amount, "currency": currency,
                 "hours": m.hours, "updated_at": now} for m in months])
