"""Ranking candidates for work: skill match first, then free hours in the window, then name (pure, no I/O)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

FULL, PARTIAL, NONE = "full", "partial", "none"
_MATCH_ORDER = {FULL: 2, PARTIAL: 1, NONE: 0}


@dataclass(frozen=True)
class Candidate:
    """A person with what the ranking looks at."""

    person_id: uuid.UUID
    name: str
    team: str
    proficiency: int | None  # of the wanted skill; None when they lack it (or no skill was asked for)
    free_hours: float  # Σ over the window's weeks of max(available − booked, 0)
    short_weeks: int  # weeks whose free hours are below the wanted hours per week


def skill_match(proficiency: int | None, min_proficiency: int, skill_wanted: bool) -> str:
    """full: holds the skill at the wanted level (or no skill asked); partial: below it; none: lacks it."""
    if not skill_wanted:
        return FULL
    if proficiency is None:
        return NONE
    return FULL if proficiency >= min_proficiency else PARTIAL


def rank(candidates: Iterable[Candidate], *, min_proficiency: int, skill_wanted: bool) -> list[Candidate]:
    """Best first: skill match, then proficiency, then free hours, then name (case-insensitive), then id."""
    return sorted(candidates, key=lambda c: (
        -_MATCH_ORDER[skill_match(c.proficiency, min_proficiency, skill_wanted)], -(c.proficiency or 0),
        -round(c.free_hours, 2), c.name.casefold(), str(c.person_id)))
