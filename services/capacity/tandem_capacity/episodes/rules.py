"""Over-allocation and burnout-risk episodes from weekly utilisation, and how they change (pure, no I/O).

An over-allocation episode is a run of consecutive weeks each booked above 100 % of the available hours; a
burnout-risk episode is a run of at least four consecutive weeks each at 90 % or more. A week with bookings but
no available hours counts as over-allocated at `NO_CAPACITY` utilisation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

OVERALLOCATED, BURNOUT_RISK = "overallocated", "burnout_risk"
OVER_THRESHOLD, BURNOUT_THRESHOLD, BURNOUT_WEEKS = 1.0, 0.9, 4
NO_CAPACITY = 10.0  # utilisation reported for booked hours in a week with nothing available
EPSILON = 1e-6  # rounding noise of hours kept to 2 decimals


@dataclass(frozen=True)
class Run:
    """Consecutive weeks of one kind, with the highest utilisation among them."""

    kind: str
    first_week: str
    last_week: str
    peak: float


@dataclass(frozen=True)
class OpenEpisode:
    """An episode as stored while it is open."""

    id: uuid.UUID
    kind: str
    first_week: str
    last_week: str
    peak: float


@dataclass
class Changes:
    """What to do with stored open episodes given the runs found now."""

    raised: list[Run] = field(default_factory=list)
    continued: list[tuple[OpenEpisode, Run]] = field(default_factory=list)
    cleared: list[OpenEpisode] = field(default_factory=list)


def utilisation(booked: float, available: float) -> float:
    """booked / available; `NO_CAPACITY` for booked hours with nothing available; 0 for nothing booked."""
    if booked <= EPSILON:
        return 0.0
    return booked / available if available > EPSILON else NO_CAPACITY


def _runs_where(kind: str, series: Sequence[tuple[str, float]], hot: Callable[[float], bool],
                min_weeks: int) -> list[Run]:
    runs: list[Run] = []
    start = None
    for index, (_week, load) in enumerate([*series, ("", 0.0)]):
        if index < len(series) and hot(load):
            start = index if start is None else start
            continue
        if start is not None and index - start >= min_weeks:
            chunk = series[start:index]
            runs.append(Run(kind, chunk[0][0], chunk[-1][0], round(max(load for _, load in chunk), 4)))
        start = None
    return runs


def find_runs(series: Sequence[tuple[str, float]]) -> list[Run]:
    """Episodes in a series of (ISO week, utilisation) for consecutive weeks, oldest first."""
    return (_runs_where(OVERALLOCATED, series, lambda u: u > OVER_THRESHOLD + EPSILON, 1)
            + _runs_where(BURNOUT_RISK, series, lambda u: u >= BURNOUT_THRESHOLD - EPSILON, BURNOUT_WEEKS))


def _overlap(a_first: str, a_last: str, b_first: str, b_last: str) -> bool:
    # ISO week keys are fixed width (`2026-W09`), so they compare as strings in calendar order.
    return a_first <= b_last and b_first <= a_last


def reconcile(open_episodes: Sequence[OpenEpisode], runs: Sequence[Run]) -> Changes:
    """Match open episodes to overlapping runs of the same kind: matched ones continue, others clear; new runs raise."""
    changes = Changes()
    unmatched = list(runs)
    for episode in sorted(open_episodes, key=lambda e: (e.kind, e.first_week)):
        run = next((r for r in unmatched if r.kind == episode.kind
                    and _overlap(r.first_week, r.last_week, episode.first_week, episode.last_week)), None)
        if run is None:
            changes.cleared.append(episode)
        else:
            unmatched.remove(run)
            changes.continued.append((episode, run))
    changes.raised = unmatched
    return changes
