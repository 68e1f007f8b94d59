"""Status colours, targets and threshold crossings, without I/O.

A KPI with a direction has a status when it has thresholds: higher-is-better values are green at or above `green`,
amber at or above `amber`, red below; lower-is-better values are green at or below `green`, amber at or below
`amber`, red above. Targets and thresholds come from the PMO's rows, field by field: the dimension's own row, then
the row of every dimension of its kind (`team:*`), then the catalogue.

A crossing is remembered per KPI, dimension and kind of period (week, month, all): the status of the latest period
evaluated. A value of that period or a later one whose status differs publishes one event; the same status again
publishes nothing, and a value of an earlier period (a late event about last month) changes nothing. The first
status of a series publishes only when it is not green (a first red is a breach, a first green crosses nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tandem_metrics.kpis.catalogue import Direction, Kpi, Thresholds
from tandem_metrics.kpis.dimensions import ORGANISATION, kind_of

GREEN, AMBER, RED = "green", "amber", "red"


def status_of(value: float | None, direction: Direction, thresholds: Thresholds | None) -> str | None:
    """green, amber or red; None without a value, thresholds or direction."""
    if value is None or thresholds is None or direction is Direction.NEUTRAL:
        return None
    if direction is Direction.HIGHER_IS_BETTER:
        return GREEN if value >= thresholds.green else AMBER if value >= thresholds.amber else RED
    return GREEN if value <= thresholds.green else AMBER if value <= thresholds.amber else RED


def check_thresholds(direction: Direction, green: float | None, amber: float | None) -> Thresholds | None:
    """The thresholds, or ValueError when they are half given, on a neutral KPI, or in the wrong order."""
    if green is None and amber is None:
        return None
    if green is None or amber is None:
        raise ValueError("give both green and amber, or neither")
    if direction is Direction.NEUTRAL:
        raise ValueError("this KPI has no direction (neither higher nor lower is better): it takes no thresholds")
    if direction is Direction.HIGHER_IS_BETTER and amber > green:
        raise ValueError(f"higher is better: amber ({amber:g}) must not be above green ({green:g})")
    if direction is Direction.LOWER_IS_BETTER and amber < green:
        raise ValueError(f"lower is better: amber ({amber:g}) must not be below green ({green:g})")
    return Thresholds(green=green, amber=amber)


class TargetRow(Protocol):
    target: float | None
    green: float | None
    amber: float | None
    owner: str | None


@dataclass(frozen=True)
class Effective:
    """A KPI's target, thresholds and owner for one dimension, and where each came from."""

    target: float | None
    thresholds: Thresholds | None
    owner: str
    source: Mapping[str, str]


def levels(dimension: str) -> list[str]:
    """The target rows that apply to a dimension, most specific first: its own, then its kind's (`team:*`)."""
    if dimension == ORGANISATION:
        return [ORGANISATION]
    return [dimension, f"{kind_of(dimension)}:*"]


def effective(kpi: Kpi, dimension: str, rows: Mapping[str, Any]) -> Effective:
    """Target, thresholds and owner from the rows by dimension (own, then kind), then the catalogue."""
    target, thresholds, owner = kpi.target, kpi.thresholds, kpi.owner
    source = {"target": "catalogue", "thresholds": "catalogue", "owner": "catalogue"}
    for level in reversed(levels(dimension)):
        row = rows.get(level)
        if row is None:
            continue
        name = "dimension" if level == dimension else "kind"
        if row.target is not None:
            target, source["target"] = row.target, name
        if row.green is not None and row.amber is not None:
            thresholds, source["thresholds"] = Thresholds(row.green, row.amber), name
        if row.owner:
            owner, source["owner"] = row.owner, name
    return Effective(target=target, thresholds=thresholds if kpi.judged else None, owner=owner, source=source)


@dataclass(frozen=True)
class Decision:
    """What one evaluated value does to its series' remembered status."""

    store: bool
    publish: bool
    from_status: str | None


def crossing(previous: tuple[str, str] | None, period: str, status: str | None) -> Decision:
    """Compare a value's status with the remembered (period, status) of its series."""
    if status is None:
        return Decision(store=False, publish=False, from_status=None)
    if previous is None:
        return Decision(store=True, publish=status != GREEN, from_status=None)
    last_period, last_status = previous
    if period < last_period:
        return Decision(store=False, publish=False, from_status=last_status)
    changed = status != last_status
    return Decision(store=changed or period != last_period, publish=changed, from_status=last_status)
