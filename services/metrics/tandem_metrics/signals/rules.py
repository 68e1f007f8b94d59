"""What a signal adds to the KPI values, without I/O, and how a row's validation errors are reported.

A signal's contribution (`Counted`: periods × dimensions × values) is stored on its row. When the signal changes, or
its link does, the old contribution is taken off and the new one added: the same values follow whatever the order
of the updates, and a replay of the rows rebuilds them.

- incident: in all, the week and the month of `opened_at`; for the organisation, its service, the linked change's
  team, the linked project and that project's category: incidents_opened 1; incidents_caused_by_changes 1 with a
  linked change; incidents_caused_by_projects 1 with a linked project; implementation_disruption P1 10, P2 5, P3 2,
  P4 1 when caused by either; incidents_resolved 1 and incident_resolution_hours once resolved.
- CSAT: in all and the week and month of `responded_at` (or of the period given: a week also counts in the month
  of its Thursday, a month in no week); for the organisation and its service: csat_responses 1, csat_score_sum the
  score on the 1-5 scale (a 0-100 score s is 1 + 4 × s / 100).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from tandem_metrics.kpis.catalogue import DISRUPTION_WEIGHTS
from tandem_metrics.kpis.dimensions import ORGANISATION, dimension
from tandem_metrics.kpis.rules import Increment
from tandem_metrics.periods import ALL, granularity_of, month_of_week, periods_of

_PREFIXED = re.compile(r"^(?:Value error, )?(?P<field>[a-z_]+): (?P<message>.+)$", re.S)


@dataclass(frozen=True)
class Counted:
    """What a signal added: each value in each period for each dimension."""

    periods: tuple[str, ...]
    dimensions: tuple[str, ...]
    values: Mapping[str, float]

    def as_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"periods": list(self.periods), "dimensions": list(self.dimensions), "values": dict(self.values)}

    @staticmethod
    def from_json(stored: Mapping[str, Any] | None) -> Counted | None:
        """The contribution of its stored form."""
        if not stored:
            return None
        return Counted(tuple(stored["periods"]), tuple(stored["dimensions"]), dict(stored["values"]))

    def increments(self, sign: float = 1.0) -> list[Increment]:
        """Each value on each (period, dimension)."""
        return [Increment(kpi, period, sign * value, dim) for dim in self.dimensions for period in self.periods
                for kpi, value in self.values.items() if value]


def change_of(old: Counted | None, new: Counted | None) -> list[Increment]:
    """The increments that turn the old contribution into the new one (summed per value, zeros dropped)."""
    merged: dict[tuple[str, str, str], float] = {}
    for inc in (old.increments(-1.0) if old else []) + (new.increments() if new else []):
        key = (inc.kpi, inc.period, inc.dimension)
        merged[key] = merged.get(key, 0.0) + inc.delta
    return [Increment(k, p, d, dim) for (k, p, dim), d in sorted(merged.items()) if abs(d) > 1e-12]


def _dims(pairs: Iterable[tuple[str, Any]]) -> tuple[str, ...]:
    return (ORGANISATION, *(dimension(kind, value) for kind, value in pairs if value not in (None, "")))


def incident_counted(*, priority: str, opened_at: datetime, resolved_at: datetime | None, service_id: str | None,
                     change_id: Any = None, project_id: Any = None, team: str | None = None,
                     category: str | None = None) -> Counted:
    """An incident's contribution, given its link (change, project) and what the link leads to (team, category)."""
    caused = change_id is not None or project_id is not None
    values = {"incidents_opened": 1.0,
              "incidents_caused_by_changes": 1.0 if change_id is not None else 0.0,
              "incidents_caused_by_projects": 1.0 if project_id is not None else 0.0,
              "implementation_disruption": float(DISRUPTION_WEIGHTS[priority]) if caused else 0.0,
              "incidents_resolved": 1.0 if resolved_at is not None else 0.0,
              "incident_resolution_hours": (resolved_at - opened_at).total_seconds() / 3600 if resolved_at else 0.0}
    dims = _dims([("service", service_id), ("team", team), ("project", project_id), ("category", category)])
    return Counted(periods_of(opened_at), dims, {k: v for k, v in values.items() if v})


def to_five(score: float, scale: str) -> float:
    """A score on the 1-5 scale: 1-5 unchanged, 0-100 mapped linearly (0 → 1, 50 → 3, 100 → 5)."""
    return score if scale == "1-5" else 1.0 + 4.0 * score / 100.0


def csat_counted(*, score_5: float, service_id: str, responded_at: datetime | None, period: str | None) -> Counted:
    """A satisfaction response's contribution."""
    if responded_at is not None:
        periods: tuple[str, ...] = periods_of(responded_at)
    elif period is not None and granularity_of(period) == "week":
        periods = (ALL, period, month_of_week(period))
    else:
        periods = (ALL, period) if period else (ALL,)
    return Counted(periods, _dims([("service", service_id)]), {"csat_responses": 1.0, "csat_score_sum": score_5})


def row_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Each offending field of a row (a check across fields names the field its message starts with)."""
    found = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ())]
        message = str(error.get("msg", "invalid"))
        if not loc and (match := _PREFIXED.match(message)):
            loc, message = [match["field"]], match["message"]
        found.append({"field": ".".join(loc) or "item", "message": message})
    return found
