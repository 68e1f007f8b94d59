"""Status colours, targets falling back field by field, and threshold crossings: once per crossing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from tandem_metrics.kpis.catalogue import KPIS, Direction, Thresholds
from tandem_metrics.kpis.status import check_thresholds, crossing, effective, status_of


def test_colours_follow_the_direction():
    higher, lower = Thresholds(green=0.9, amber=0.8), Thresholds(green=5, amber=20)
    assert [status_of(v, Direction.HIGHER_IS_BETTER, higher) for v in (0.95, 0.9, 0.85, 0.8, 0.5)] == [
        "green", "green", "amber", "amber", "red"]
    assert [status_of(v, Direction.LOWER_IS_BETTER, lower) for v in (0, 5, 6, 20, 21)] == [
        "green", "green", "amber", "amber", "red"]
    assert status_of(None, Direction.LOWER_IS_BETTER, lower) is None
    assert status_of(1, Direction.NEUTRAL, lower) is None and status_of(1, Direction.LOWER_IS_BETTER, None) is None


def test_thresholds_are_checked_against_the_direction():
    assert check_thresholds(Direction.HIGHER_IS_BETTER, 0.9, 0.8) == Thresholds(0.9, 0.8)
    assert check_thresholds(Direction.LOWER_IS_BETTER, None, None) is None
    for direction, green, amber in [(Direction.HIGHER_IS_BETTER, 0.8, 0.9), (Direction.LOWER_IS_BETTER, 20, 5),
                                    (Direction.NEUTRAL, 1, 2), (Direction.HIGHER_IS_BETTER, 1, None)]:
        with pytest.raises(ValueError):
            check_thresholds(direction, green, amber)


def row(**fields: object) -> SimpleNamespace:
    return SimpleNamespace(**{"target": None, "green": None, "amber": None, "owner": None, **fields})


def test_targets_fall_back_field_by_field_dimension_then_kind_then_catalogue():
    kpi = KPIS["change_success_rate"]
    assert effective(kpi, "team:Platform", {}).thresholds == Thresholds(0.90, 0.80)
    rows = {"team:*": row(target=0.9, green=0.85, amber=0.7), "team:Platform": row(green=0.97, amber=0.95,
                                                                                   owner="ops-lead")}
    chosen = effective(kpi, "team:Platform", rows)
    assert (chosen.target, chosen.thresholds, chosen.owner) == (0.9, Thresholds(0.97, 0.95), "ops-lead")
    assert chosen.source == {"target": "kind", "thresholds": "dimension", "owner": "dimension"}
    other = effective(kpi, "team:Apps", rows)
    assert (other.target, other.thresholds, other.owner) == (0.9, Thresholds(0.85, 0.7), "change_manager")
    assert effective(kpi, "", rows).thresholds == Thresholds(0.90, 0.80)  # the organisation has no kind row


def test_a_crossing_fires_once_repeats_do_not_and_crossing_back_fires_once():
    kpi = KPIS["change_success_rate"]  # green at 0.90 and above, amber at 0.80, red below
    remembered: tuple[str, str] | None = None
    fired = []
    for period, value in [("2026-12", 0.95), ("2026-12", 0.92), ("2026-12", 0.5), ("2026-12", 0.4),
                          ("2026-12", 0.45), ("2027-01", 0.3), ("2027-01", 0.93), ("2027-01", 0.99)]:
        status = status_of(value, kpi.direction, kpi.thresholds)
        decision = crossing(remembered, period, status)
        if decision.publish:
            fired.append((decision.from_status, status))
        if decision.store:
            remembered = (period, status)  # type: ignore[assignment]
    assert fired == [("green", "red"), ("red", "green")]


def test_a_first_status_publishes_only_when_not_green_and_older_periods_change_nothing():
    assert crossing(None, "2026-W49", "green").publish is False
    first_red = crossing(None, "2026-W49", "red")
    assert first_red.publish and first_red.store and first_red.from_status is None
    late = crossing(("2026-W50", "green"), "2026-W49", "red")
    assert not late.publish and not late.store
    assert crossing(("2026-W49", "red"), "2026-W49", None).store is False
