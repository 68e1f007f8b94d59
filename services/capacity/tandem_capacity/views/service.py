"""The views: utilisation of teams and skills, the heatmap, the resource finder."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams, decode_cursor

from tandem_capacity.domain.finder import Candidate, rank, skill_match
from tandem_capacity.supply.availability import available_by_person, available_lists
from tandem_capacity.views.repository import PersonFilter, PersonRow, ViewRepository, proficiencies

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
    split = await views.booked_split(ids, weeks[0][0], weeks[-1][0]) if ids else {}
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


def _compact(values: list[float]) -> list[float | int]:
    # Whole hours as integers: a third shorter in JSON and faster to encode.
    return [int(v) if v == int(v) else v for v in values]


def _cells(people: Sequence[PersonRow], keys: Sequence[str], booked: dict, available: dict) -> list[dict[str, Any]]:
    zeros: list[float | int] = [0] * len(keys)
    position = {key: index for index, key in enumerate(keys)}
    compacted: dict[int, list[float | int]] = {}  # people alike share one availability list
    rows = []
    for person in people:
        free = available[person.id]
        capacity = compacted.get(id(free))
        if capacity is None:
            capacity = compacted[id(free)] = _compact(free)
        mine = booked.get(person.id)
        hours = use = zeros
        if mine:
            hours, use = list(zeros), list(zeros)
            for week, value in mine.items():
                index = position.get(week)
                if index is not None:
                    hours[index] = value
                    use[index] = round(value / capacity[index], 4) if capacity[index] > 0 else 0
        rows.append({"id": str(person.id), "name": person.name, "team": person.team, "booked": hours,
                     "available": capacity, "utilisation": use})
    return rows


def encode_heatmap(body: dict[str, Any]) -> str:
    """The heatmap as compact JSON; arrays shared by many people (zeros, common availability) encoded once."""
    encoded: dict[int, str] = {}

    def array(values: list) -> str:
        text = encoded.get(id(values))
        if text is None:
            text = encoded[id(values)] = json.dumps(values, separators=(",", ":"))
        return text

    people = ",".join(
        '{"id":"%s","name":%s,"team":%s,"booked":%s,"available":%s,"utilisation":%s}' % (  # noqa: UP031 - hot loop
            row["id"], json.dumps(row["name"]), json.dumps(row["team"]), array(row["booked"]),
            array(row["available"]), array(row["utilisation"]))
        for row in body["people"])
    return '{"weeks":%s,"people":[%s],"next_cursor":%s,"limit":%d}' % (  # noqa: UP031
        json.dumps(body["weeks"], separators=(",", ":")), people, json.dumps(body["next_cursor"]), body["limit"])


async def heatmap(session: AsyncSession, where: PersonFilter, page: PageParams,
                  weeks: Sequence[tuple[str, date]]) -> dict[str, Any]:
    """One page of people × weeks: booked, available and utilisation as parallel arrays per person."""
    views = ViewRepository(session)
    people, cursor = await views.people_page(where, page)
    keys = [key for key, _ in weeks]
    booked = await views.booked({p.id for p in people}, keys[0], keys[-1]) if people else {}
    available = await available_lists(session, people, weeks)
    return {"weeks": keys, "people": _cells(people, keys, booked, available), "next_cursor": cursor,
            "limit": page.limit}


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
    booked = await views.booked({p.id for p in people}, keys[0], keys[-1]) if people else {}
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
