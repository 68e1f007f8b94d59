"""Over-allocation and burnout-risk episodes: runs of weeks, and raise-once/continue/clear reconciliation."""

from __future__ import annotations

import uuid

from tandem_capacity.episodes.rules import (
    BURNOUT_RISK,
    NO_CAPACITY,
    OVERALLOCATED,
    OpenEpisode,
    Run,
    find_runs,
    reconcile,
    utilisation,
)


def series(*loads: float, first: int = 50) -> list[tuple[str, float]]:
    weeks = [f"2026-W{n}" for n in range(first, 54)] + [f"2027-W{n:02d}" for n in range(1, 20)]
    return list(zip(weeks, loads, strict=False))


def test_utilisation_of_a_week():
    assert utilisation(45, 40) == 1.125
    assert utilisation(0, 0) == 0.0 and utilisation(0.000001, 0) == 0.0
    assert utilisation(4, 0) == NO_CAPACITY


def test_over_allocation_is_any_run_above_100_percent():
    runs = find_runs(series(1.0, 1.01, 1.2, 0.5, 1.5))
    assert [r for r in runs if r.kind == OVERALLOCATED] == [
        Run(OVERALLOCATED, "2026-W51", "2026-W52", 1.2), Run(OVERALLOCATED, "2027-W01", "2027-W01", 1.5)]
    # Exactly 100 % is full, not over.
    assert find_runs(series(1.0, 1.0)) == []


def test_burnout_risk_needs_four_weeks_running_at_90_percent_across_the_year_boundary():
    three = find_runs(series(0.9, 0.95, 0.92, 0.5, 0.9, 0.9, 0.9))
    assert three == []
    four = find_runs(series(0.89, 0.9, 0.95, 0.92, 1.3, 0.2))
    assert four == [Run(OVERALLOCATED, "2027-W01", "2027-W01", 1.3),
                    Run(BURNOUT_RISK, "2026-W51", "2027-W01", 1.3)]


def _open(kind: str, first: str, last: str) -> OpenEpisode:
    return OpenEpisode(uuid.uuid4(), kind, first, last, 1.2)


def test_a_new_run_raises_and_a_continuing_one_does_not():
    fresh = reconcile([], [Run(OVERALLOCATED, "2026-W50", "2026-W51", 1.2)])
    assert fresh.raised == [Run(OVERALLOCATED, "2026-W50", "2026-W51", 1.2)] and not fresh.cleared
    stored = _open(OVERALLOCATED, "2026-W50", "2026-W51")
    grown = Run(OVERALLOCATED, "2026-W49", "2026-W53", 1.4)
    same = reconcile([stored], [grown])
    assert same.raised == [] and same.cleared == [] and same.continued == [(stored, grown)]


def test_a_run_that_goes_away_clears_and_a_split_raises_only_the_new_part():
    stored = _open(OVERALLOCATED, "2026-W50", "2026-W52")
    gone = reconcile([stored], [])
    assert gone.cleared == [stored] and gone.raised == []
    left, right = Run(OVERALLOCATED, "2026-W50", "2026-W50", 1.1), Run(OVERALLOCATED, "2026-W52", "2026-W52", 1.1)
    split = reconcile([stored], [left, right])
    assert split.continued == [(stored, left)] and split.raised == [right] and split.cleared == []


def test_kinds_are_matched_separately_and_two_merged_episodes_clear_one():
    over = _open(OVERALLOCATED, "2026-W50", "2026-W50")
    burnout = _open(BURNOUT_RISK, "2026-W49", "2026-W52")
    runs = [Run(BURNOUT_RISK, "2026-W49", "2026-W53", 1.1)]
    changes = reconcile([over, burnout], runs)
    assert changes.cleared == [over] and changes.continued == [(burnout, runs[0])] and changes.raised == []
    first, second = _open(OVERALLOCATED, "2026-W50", "2026-W50"), _open(OVERALLOCATED, "2026-W52", "2026-W52")
    merged = Run(OVERALLOCATED, "2026-W50", "2026-W52", 1.3)
    joined = reconcile([second, first], [merged])
    assert joined.continued == [(first, merged)] and joined.cleared == [second] and joined.raised == []
