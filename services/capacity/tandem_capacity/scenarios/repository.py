"""Every query of scenarios."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_capacity.scenarios.models import Scenario, ScenarioBooking


class ScenarioRepository(EntityRepository[Scenario]):
    model, noun = Scenario, "scenario"

    async def page(self, page: PageParams) -> tuple[Sequence[Scenario], str | None]:
        return await keyset_page(self.session, sa.select(Scenario), sort=Scenario.created_at, tiebreak=Scenario.id,
                                 descending=True, page=page)

    async def booking_counts(self, scenario_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        stmt = (sa.select(ScenarioBooking.scenario_id, sa.func.count())
                .where(ScenarioBooking.scenario_id.in_(list(scenario_ids))).group_by(ScenarioBooking.scenario_id))
        return dict((await self.session.execute(stmt)).all())

    async def bookings(self, scenario_id: uuid.UUID) -> Sequence[ScenarioBooking]:
        stmt = (sa.select(ScenarioBooking).where(ScenarioBooking.scenario_id == scenario_id)
                .order_by(ScenarioBooking.start, ScenarioBooking.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def bookings_page(self, scenario_id: uuid.UUID,
                            page: PageParams) -> tuple[Sequence[ScenarioBooking], str | None]:
        stmt = sa.select(ScenarioBooking).where(ScenarioBooking.scenario_id == scenario_id)
        return await keyset_page(self.session, stmt, sort=ScenarioBooking.start, tiebreak=ScenarioBooking.id,
                                 descending=False, page=page)

    async def booking(self, scenario_id: uuid.UUID, booking_id: uuid.UUID) -> ScenarioBooking | None:
        found = await self.session.get(ScenarioBooking, booking_id)
        return found if found is not None and found.scenario_id == scenario_id else None

    async def delete(self, scenario: Scenario) -> None:
        # Explicit: SQLite enforces ON DELETE CASCADE only with foreign keys switched on.
        await self.session.execute(sa.delete(ScenarioBooking).where(ScenarioBooking.scenario_id == scenario.id))
        await self.session.delete(scenario)
        await self.session.flush()
