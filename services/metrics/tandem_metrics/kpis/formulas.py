"""How a KPI's value follows from stored component values, without I/O.

A KPI's value for one period and dimension reads a few stored values (`kpi_values`, one row per component, period
and dimension) through `Values`, and for uptime the committed minutes of the dimension's services through
`Context`. Every formula returns None when it is undefined (e.g. a ratio over nothing), except the counters and the
ratios kept from the first release, which read 0.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from tandem_metrics.periods import ALL, MONTH, WEEK, granularity_of, weeks_in_month

Values = Mapping[tuple[str, str], float]  # (component, period) -> stored value of one dimension


class Context(Protocol):
    """What a formula may need beyond stored values."""

    def committed_minutes(self, dimension: str, period: str) -> float | None:
        """Minutes the dimension's services were committed to run in the period (None: unknown)."""


class Formula(ABC):
    """A KPI's value from stored values."""

    components: tuple[str, ...] = ()

    def reads(self, period: str) -> list[tuple[str, str]]:
        """The (component, period) values it needs for this period."""
        return [(c, period) for c in self.components]

    @abstractmethod
    def evaluate(self, values: Values, period: str, dimension: str, context: Context | None) -> float | None:
        """The value for this period and dimension, or None when it is undefined (e.g. a ratio of nothing)."""


@dataclass(frozen=True)
class Stored(Formula):
    """The stored value itself (0 when nothing was stored)."""

    key: str

    @property
    def components(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.key,)

    def evaluate(self, values: Values, period: str, dimension: str, context: Context | None) -> float | None:
        return values.get((self.key, period), 0.0)


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, 0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class Ratio(Formula):
    """numerator / denominator of one period (the denominator's 'all' value when `denominator_all`).

    `complement` gives 1 - ratio, floored at 0 (budget accuracy); `empty` is the value over a zero denominator.
    """

    numerator: str
    denominator: str
    denominator_all: bool = False
    complement: bool = False
    empty: float | None = None

    @property
    def components(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.numerator, self.denominator)

    def reads(self, period: str) -> list[tuple[str, str]]:
        return [(self.numerator, period), (self.denominator, ALL if self.denominator_all else period)]

    def evaluate(self, values: Values, period: str, dimension: str, context: Context | None) -> float | None:
        denominator = values.get((self.denominator, ALL if self.denominator_all else period), 0.0)
        if not denominator:
            return self.empty
        value = values.get((self.numerator, period), 0.0) / denominator
        return max(0.0, 1.0 - value) if self.complement else value


@dataclass(frozen=True)
class Share(Formula):
    """Σ numerators / Σ denominators of one period (None when the denominators sum to 0)."""

    numerators: tuple[str, ...]
    denominators: tuple[str, ...]

    @property
    def components(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(dict.fromkeys(self.numerators + self.denominators))

    def evaluate(self, values: Values, period: str, dimension: str, context: Context | None) -> float | None:
        total = sum(values.get((k, period), 0.0) for k in self.denominators)
        return sum(values.get((k, period), 0.0) for k in self.numerators) / total if total else None


@dataclass(frozen=True)
class Uptime(Formula):
    """1 - unplanned downtime minutes / committed minutes of a week or month (None for 'all' or without hours)."""

    downtime: str

    @property
    def components(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.downtime,)

    def evaluate(self, values: Values, period: str, dimension: str, context: Context | None) -> float | None:
        if period == ALL or context is None:
            return None
        committed = context.committed_minutes(dimension, period)
        if not committed:
            return None
        return max(0.0, 1.0 - values.get((self.downtime, period), 0.0) / committed)


@dataclass(frozen=True)
class Utilisation(Formula):
    """Σ booked hours of a week or month / (available hours per week × the weeks the period holds)."""

    booked: tuple[str, ...]
    available: str

    @property
    def components(self) -> tuple[str, ...]:  # type: ignore[override]
        return (*self.booked, self.available)

    def reads(self, period: str) -> list[tuple[str, str]]:
        return [*((k, period) for k in self.booked), (self.available, ALL)]

    def evaluate(self, values: Values, period: str, dimension: str, context: Context | None) -> float | None:
        kind = granularity_of(period)
        weeks = 1 if kind == WEEK else weeks_in_month(period) if kind == MONTH else 0
        available = values.get((self.available, ALL), 0.0) * weeks
        if not available:
            return None
        return sum(values.get((k, period), 0.0) for k in self.booked) / available


@dataclass(frozen=True)
class Roi(Formula):
    """(benefits - costs) / costs over all time (None without costs)."""

    benefits: str
    costs: str

    @property
    def components(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.benefits, self.costs)

    def evaluate(self, values: Values, period: str, dimension: str, context: Context | None) -> float | None:
        costs = values.get((self.costs, period), 0.0)
        if not costs:
            return None
        return (values.get((self.benefits, period), 0.0) - costs) / costs
