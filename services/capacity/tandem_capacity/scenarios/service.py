"""What-if scenarios: their own copy of bookings; nothing here touches live bookings or publishes events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.errors import Forbidden, ValidationProblem
from tandem_shared.repository import record_audit

from tandem_capacity.availability.service import available_by_person
from tandem_capacity.bookings.repository import BookingRepository
from tandem_capacity.bookings.rules import iso_weeks, report_weeks, spread_hours
from tandem_capacity.episodes.rules import OVER_THRESHOLD, utilisation
from tandem_capacity.loads.repository import LoadRepository
from tandem_capacity.people.repository import PersonRepository
from tandem_capacity.scenarios.models import Scenario, ScenarioBooking
from tandem_capacity.scenarios.repository import ScenarioRepository
from tandem_capacity.scenarios.schemas import AddBooking, MoveBooking, RemoveBooking, ScenarioCreate
from tandem_capacity.views.repository import PersonFilter, ViewRepository

ANY_SCENARIO_ROLES = ("resource_manager",)  # and admin; the other planners change the scenarios they made


def _window(scenario: Scenario) -> list[tuple[str, date]]:
    return iso_weeks(scenario.from_date, scenario.to_date)


def _spread(start: datetime, end: datetime, hours: float) -> list[list[Any]]:
    try:
        return [[share.week, share.hours] for share in spread_hours(start, end, hours)]
    except ValueError as exc:
        raise ValidationProblem.field("end", str(exc)) from exc


async def create_scenario(session: AsyncSession, *, actor: Actor, body: ScenarioCreate) -> tuple[Scenario, int]:
    """Copy the live active bookings with hours in the window into a new scenario."""
    weeks = report_weeks(body.from_date, body.to_date, body.from_date)
    scenario = await ScenarioRepository(session).add(Scenario(
        name=body.name, from_date=body.from_date, to_date=body.to_date, created_by=actor.sub))
    live = await BookingRepository(session).active_in_weeks(weeks[0][0], weeks[-1][0])
    session.add_all([ScenarioBooking(
        scenario_id=scenario.id, live_booking_id=b.id, person_id=b.person_id, source=b.source, source_id=b.source_id,
        kind=b.kind, start=b.start, end=b.end, hours=b.hours, weeks=[[w.week, w.hours] for w in b.weeks],
    ) for b in live])
    await session.flush()
    await record_audit(session, actor=actor.sub, action="create", entity_type="scenario", entity_id=scenario.id,
                       detail={"name": scenario.name, "bookings": len(live)})
    return scenario, len(live)


async def get_scenario(session: AsyncSession, scenario_id: uuid.UUID) -> Scenario:
    return await ScenarioRepository(session).get_or_404(scenario_id)


def require_scenario_owner(actor: Actor, scenario: Scenario, action: str) -> None:
    """403 unless the actor made the scenario or is a resource manager (or admin)."""
    if not (actor.has_any(*ANY_SCENARIO_ROLES) or actor.sub == scenario.created_by):
        raise Forbidden(f"only whoever made it ({scenario.created_by}) or a resource manager may {action} this "
                        f"scenario", reason="not_owner", required_roles=list(ANY_SCENARIO_ROLES))


async def delete_scenario(session: AsyncSession, *, actor: Actor, scenario: Scenario) -> None:
    """Drop a scenario and its bookings."""
    require_scenario_owner(actor, scenario, "delete")
    await ScenarioRepository(session).delete(scenario)
    await record_audit(session, actor=actor.sub, action="delete", entity_type="scenario", entity_id=scenario.id,
                       detail={"name": scenario.name})


async def _person_exists(session: AsyncSession, person_id: uuid.UUID) -> None:
    if not await PersonRepository(session).exists(person_id):
        raise ValidationProblem.field("person_id", f"no person with id {person_id}")


async def apply_move(session: AsyncSession, *, actor: Actor, scenario: Scenario,
                     move: MoveBooking | AddBooking | RemoveBooking) -> ScenarioBooking | None:
    """Move, add or remove a booking of the scenario; returns the booking as it is now (None when removed)."""
    require_scenario_owner(actor, scenario, "change")
    repo = ScenarioRepository(session)
    if isinstance(move, AddBooking):
        await _person_exists(session, move.person_id)
        booking = ScenarioBooking(scenario_id=scenario.id, person_id=move.person_id, source=move.source,
                                  source_id=move.source_id, kind=move.kind, start=move.start, end=move.end,
                                  hours=move.hours, weeks=_spread(move.start, move.end, move.hours))
        session.add(booking)
    else:
        booking = await repo.booking(scenario.id, move.booking_id)
        if booking is None:
            raise ValidationProblem.field("booking_id", f"no booking {move.booking_id} in this scenario")
        if isinstance(move, RemoveBooking):
            await session.delete(booking)
        else:
            if move.person_id is not None:
                await _person_exists(session, move.person_id)
                booking.person_id = move.person_id
            start, end = move.start or booking.start, move.end or booking.end
            if (start, end) != (booking.start, booking.end):
                booking.weeks = _spread(start, end, booking.hours)
                booking.start, booking.end = start, end
    await session.flush()
    await record_audit(session, actor=actor.sub, action=move.action, entity_type="scenario", entity_id=scenario.id,
                       detail=move.model_dump(mode="json") | {"scenario_booking_id": str(booking.id)})
    return None if isinstance(move, RemoveBooking) else booking


async def compare(session: AsyncSession, scenario: Scenario, team: str | None) -> dict[str, Any]:
    """Live against scenario booked hours and utilisation per person and week of the scenario's window."""
    weeks = _window(scenario)
    keys = [key for key, _ in weeks]
    views = ViewRepository(session)
    planned: dict[uuid.UUID, dict[str, float]] = {}
    for booking in await ScenarioRepository(session).bookings(scenario.id):
        mine = planned.setdefault(booking.person_id, {})
        for week, hours in booking.weeks:
            mine[week] = mine.get(week, 0.0) + hours
    if team:
        people = await views.people(PersonFilter(team=team))
        live = await LoadRepository(session).booked({p.id for p in people}, keys[0], keys[-1])
    else:
        everyone = await views.people(PersonFilter())
        live = await LoadRepository(session).booked({p.id for p in everyone}, keys[0], keys[-1])
        busy = {pid for pid, hours in planned.items() if any(keys[0] <= w <= keys[-1] for w in hours)} | set(live)
        people = [p for p in everyone if p.id in busy]
    available = await available_by_person(session, people, weeks)
    rows, over_live, over_planned = [], [], []
    for person in people:
        free = [available[person.id][k] for k in keys]
        before = [round(live.get(person.id, {}).get(k, 0.0), 2) for k in keys]
        after = [round(planned.get(person.id, {}).get(k, 0.0), 2) for k in keys]
        live_use = [round(utilisation(b, a), 4) for b, a in zip(before, free, strict=True)]
        planned_use = [round(utilisation(b, a), 4) for b, a in zip(after, free, strict=True)]
        rows.append({"id": person.id, "name": person.name, "team": person.team, "available": free,
                     "live_booked": before, "scenario_booked": after, "live_utilisation": live_use,
                     "scenario_utilisation": planned_use})
        over_live += [{"person_id": person.id, "week": k, "utilisation": u}
                      for k, u in zip(keys, live_use, strict=True) if u > OVER_THRESHOLD]
        over_planned += [{"person_id": person.id, "week": k, "utilisation": u}
                         for k, u in zip(keys, planned_use, strict=True) if u > OVER_THRESHOLD]
    return {"scenario_id": scenario.id, "weeks": keys, "people": rows, "live_overallocations": over_live,
            "scenario_overallocations": over_planned}
