"""Events the metrics service consumes: every one the KPI registry counts."""

from __future__ import annotations

from tandem_shared.consumer import Handler

from tandem_metrics.kpis import service
from tandem_metrics.kpis.rules import CONSUMED_EVENT_TYPES

# One handler for all: what an event counts is decided by the pure rules in domain/kpis.py.
HANDLERS: dict[str, Handler] = {event_type: service.apply_event for event_type in CONSUMED_EVENT_TYPES}
