"""The views: utilisation of teams and skills, the heatmap, the resource finder."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams, decode_cursor

from tandem_capacity.availability.service import available_by_person, available_rows
from tandem_capacity.bookings.repository import BookingRepository
from tandem_capacity.loads.repository import LoadRepository
from tandem_capacity.people.repository import PersonRow
from tandem_capacity.views.finder import Candidate, rank, skill_match
from tandem_capacity.views.repository import PersonFilter, ViewRepository, proficiencies

SOURCES, KINDS = ("change", "project", "operations"), ("soft", "hard")


def _ratio(booked: float, available: float) -> float:
    return round(booked / available, 4) if available > 0 else 0.0


async def group_utilisation(session: AsyncSession, where: PersonFilter,
                            weeks: Sequence[tuple[str, date]]) -> tuple[int, list[dict[str, Any]]]:
    """(people counted, one row per week) summing the available and booked hours of everyone matching."""
    views = ViewRepository(session)
    people = await views.people(where)
    ids = {p.id for p in people}
    available = await available_by_person(session, people, weeks)
    split = await BookingRepository(session).booked_split(ids, weeks[0][0], weeks[-1][0]) if ids else {}
    rows = {key: {"week": key, "week_start": monday, "available_hours": 0.0, "people_overallocated": 0,
                  **{f"{name}_hours": 0.0 for name in SOURCES + KINDS}} for key, monday in weeks}
    for person in people:
        booked: dict[str, float] = {}
        for (week, source, kind), hours in split.get(person.id, {}).items():
            row = rows[week]
            row[f"{source}_hours"] += hours
            row[f"{kind}_hours"] += hours
            booked[week] = booked.get(week, 0.0) + hours
        for key, hours in available[person.id].items():
            rows[key]["available_hours"] += hours
            rows[key]["people_overallocated"] += booked.get(key, 0.0) > hours + 1e-6
    for row in rows.values():
        for name in ("available", *SOURCES, *KINDS):
            row[f"{name}_hours"] = round(row[f"{name}_hours"], 2)
        row["booked_hours"] = round(sum(row[f"{s}_hours"] for s in SOURCES), 2)
        row["utilisation"] = _ratio(row["booked_hours"], row["available_hours"])
    return len(people), list(rows.values())


# Whole hours as integers (a third shorter in JSON); 40.0 finds 40 here since equal numbers hash alike.
_WHOLE_HOURS = {hours: hours for hours in range(24 * 7 + 1)}


def _compact(values: list[float]) -> list[float | int]:
    return [_WHOLE_HOURS.get(value, value) for value in values]


def _each_cell(rows: Sequence[tuple[PersonRow, str | None]], keys: Sequence[str],
               available: Sequence[list[float]], *, encoded: bool) -> Iterator[dict[str, Any]]:
    """Each person's row in turn; `encoded` gives `available` as pre-encoded JSON (shared rows encode once)."""
    zeros: list[float | int] = [0] * len(keys)
    position = {key: index for index, key in enumerate(keys)}
    compacted: dict[int, tuple[list[float | int], Any]] = {}  # people alike share one availability list
    # round(x, 4) costs more than a dict lookup, and the same ratios come back again and again.
    ratios: dict[float, float] = {}
    index_of, known = position.get, ratios.get  # bound once: this loop runs once per booked week
    for (person, loads), free in zip(rows, available, strict=True):
        both = compacted.get(id(free))
        if both is None:
            values = _compact(free)
            both = compacted[id(free)] = (values, orjson.Fragment(orjson.dumps(values)) if encoded else values)
        capacity, shown = both
        hours = use = zeros
        if loads:
            hours, use = zeros.copy(), zeros.copy()
            for week, value in orjson.loads(loads).items():
                index = index_of(week)
                if index is None:
                    continue
                hours[index] = value
                free_hours = capacity[index]
                if free_hours > 0:
                    ratio = value / free_hours
                    rounded = known(ratio)
                    if rounded is None:
                        rounded = ratios[ratio] = round(ratio, 4)
                    use[index] = rounded
        yield {"id": str(person.id), "name": person.name, "team": person.team, "booked": hours,
               "available": shown, "utilisation": use}


def _cells(rows: Sequence[tuple[PersonRow, str | None]], keys: Sequence[str],
           available: Sequence[list[float]]) -> list[dict[str, Any]]:
    return list(_each_cell(rows, keys, available, encoded=False))


def encode_heatmap(body: dict[str, Any]) -> bytes:
    """The heatmap as compact JSON (orjson: the stdlib encoder took longer than the query)."""
    return orjson.dumps(body)


async def heatmap(session: AsyncSession, where: PersonFilter, page: PageParams,
                  weeks: Sequence[tuple[str, date]]) -> dict[str, Any]:
    """One page of people × weeks: booked, available and utilisation as parallel arrays per person."""
    rows, cursor = await ViewRepository(session).people_page_with_loads(where, page)
    available = await available_rows(session, [person for person, _ in rows], weeks)
    keys = [key for key, _ in weeks]
    return {"weeks": keys, "people": _cells(rows, keys, available), "next_cursor": cursor, "limit": page.limit}


_pauses = {"depth": 0, "was_enabled": True}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Automatic garbage collection off until the last of the overlapping callers is done."""
    if _pauses["depth"] == 0:
        _pauses["was_enabled"] = gc.isenabled()
        gc.disable()
    _pauses["depth"] += 1
    try:
        yield
    finally:
        _pauses["depth"] -= 1
        if _pauses["depth"] == 0 and _pauses["was_enabled"]:
            gc.enable()


async def heatmap_json(session: AsyncSession, where: PersonFilter, page: PageParams,
                       weeks: Sequence[tuple[str, date]]) -> bytes:
    """`heatmap` encoded (byte for byte `encode_heatmap(await heatmap(...))`), each row as soon as it is built."""
    # The tens of thousands of short-lived containers of a page set the cyclic collector off dozens of times, and
    # every few requests it walked the whole heap (~100 ms on a 2-core VM): a third of the time, for nothing, since
    # nothing built here outlives the call (reference counting frees it all). Paused meanwhile; rows encoded one by
    # one are freed at once instead of all being alive until the end.
    with _collector_paused():
        rows, cursor = await ViewRepository(session).people_page_with_loads(where, page)
        available = await available_rows(session, [person for person, _ in rows], weeks)
        keys = [key for key, _ in weeks]
        people = b",".join(map(orjson.dumps, _each_cell(rows, keys, available, encoded=True)))
        return orjson.dumps({"weeks": keys, "people": orjson.Fragment(b"[%b]" % people), "next_cursor": cursor,
                             "limit": page.limit})


async def heatmap_rows(session: AsyncSession, where: PersonFilter, weeks: Sequence[tuple[str, date]],
                       chunk: int = 500) -> AsyncIterator[list[list[Any]]]:
    """The heatmap as CSV rows (one per person and week), a chunk of people at a time, header first."""
    keys = [key for key, _ in weeks]
    yield [["person_id", "name", "team", "week", "booked_hours", "available_hours", "utilisation"]]
    cursor = None
    while True:
        page = await heatmap(session, where, PageParams(limit=chunk, cursor=cursor), weeks)
        yield [[person["id"], person["name"], person["team"], key, person["booked"][index],
                person["available"][index], person["utilisation"][index]]
               for person in page["people"] for index, key in enumerate(keys)]
        if not page["next_cursor"]:
            return
        cursor = decode_cursor(page["next_cursor"])


async def find(session: AsyncSession, *, skill: str | None, min_proficiency: int, team: str | None,
               weeks: Sequence[tuple[str, date]], hours_per_week: float, limit: int) -> list[dict[str, Any]]:
    """People ranked for work: skill match, then free hours in the window, then name."""
    views = ViewRepository(session)
    people = await views.people(PersonFilter(team=team))
    levels = await proficiencies(session, skill) if skill else {}
    keys = [key for key, _ in weeks]
    booked = await LoadRepository(session).booked({p.id for p in people}, keys[0], keys[-1]) if people else {}
    available = await available_by_person(session, people, weeks)
    candidates = []
    for person in people:
        free = [max(available[person.id][k] - booked.get(person.id, {}).get(k, 0.0), 0.0) for k in keys]
        candidates.append(Candidate(person.id, person.name, person.team, levels.get(person.id), round(sum(free), 2),
                                    sum(1 for f in free if f + 1e-6 < hours_per_week)))
    ranked = rank(candidates, min_proficiency=min_proficiency, skill_wanted=bool(skill))[:limit]
    return [{"person_id": c.person_id, "name": c.name, "team": c.team,
             "skill_match": skill_match(c.proficiency, min_proficiency, bool(skill)), "proficiency": c.proficiency,
             "free_hours": c.free_hours, "short_weeks": c.short_weeks, "fits": c.short_weeks == 0}
            for c in ranked]
