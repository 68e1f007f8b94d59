"""Events the metrics service consumes: every one the KPI registry counts, and those the projections keep."""

from __future__ import annotations

from tandem_shared.consumer import Handler
from tandem_shared.contracts.change import ChangeImpactAssessed, ChangeImplemented
from tandem_shared.contracts.portfolio import ProjectUpdated

from tandem_metrics.inbound.handlers import HANDLERS as INBOUND
from tandem_metrics.kpis import apply
from tandem_metrics.kpis.rules import CONSUMED_EVENT_TYPES
from tandem_metrics.signals.handlers import on_change_implemented, on_impact_assessed

# What an event counts is decided by the pure rules in kpis/rules.py; a few events also move projections.
HANDLERS: dict[str, Handler] = dict.fromkeys(CONSUMED_EVENT_TYPES, apply.apply_event)
HANDLERS[ChangeImplemented.event_type] = on_change_implemented
HANDLERS[ChangeImpactAssessed.event_type] = on_impact_assessed
HANDLERS[ProjectUpdated.event_type] = apply.apply_project_updated
# Signals other systems send on the inbound topic, taken in as the signal APIs take them (inbound/handlers.py).
HANDLERS.update(INBOUND)
