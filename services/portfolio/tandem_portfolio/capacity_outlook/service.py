"""Keeping capacity's latest snapshot: the highest sequence wins and replaces the previous one whole."""

from __future__ import annotations

from tandem_shared.contracts.capacity import CapacitySnapshotPublished
from tandem_shared.db import utcnow
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.capacity_outlook.models import CapacityOutlook
from tandem_portfolio.capacity_outlook.repository import CapacityOutlookRepository
from tandem_portfolio.capacity_outlook.weeks import iso_weeks


def skills_of(data: CapacitySnapshotPublished) -> dict[str, dict[str, list[float]]]:
    """The snapshot's figures per skill as lists over its weeks (a week the snapshot leaves out counts 0)."""
    weeks = iso_weeks(data.first_week, data.week_count)
    index = {week: i for i, week in enumerate(weeks)}
    skills: dict[str, dict[str, list[float]]] = {}
    for outlook in data.skills:
        figures = {name: [0.0] * len(weeks) for name in ("free", "supply", "booked", "requested")}
        for week in outlook.weeks:
            i = index.get(week.week)
            if i is None:
                continue  # outside the announced range: nothing to plan against
            figures["free"][i] = week.free_hours
            figures["supply"][i] = week.supply_hours
            figures["booked"][i] = week.booked_hours
            figures["requested"][i] = week.requested_hours
        skills[outlook.skill.lower()] = figures
    return skills


async def keep_snapshot(uow: UnitOfWork, data: CapacitySnapshotPublished) -> bool:
    """Replace the pool's outlook with this snapshot unless a later one is kept already; True when kept."""
    repo = uow.repo(CapacityOutlookRepository)
    current = await repo.lock(data.pool)
    if current is not None and current.sequence >= data.sequence:
        return False  # an older snapshot arriving late (or a redelivery under another id) changes nothing
    values = {"sequence": data.sequence, "generated_at": data.generated_at, "first_week": data.first_week,
              "week_count": data.week_count, "skills": skills_of(data), "received_at": utcnow()}
    if current is None:
        repo.add(CapacityOutlook(pool=data.pool, **values))
    else:
        for name, value in values.items():
            setattr(current, name, value)
    return True
