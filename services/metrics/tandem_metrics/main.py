"""The metrics service app."""

from __future__ import annotations

from fastapi import FastAPI
from tandem_shared.app import ServiceSpec, create_service_app

from tandem_metrics.handlers import HANDLERS
from tandem_metrics.kpis.routes import router as kpis_router
from tandem_metrics.signals.routes import router as signals_router

SPEC = ServiceSpec(
    name="metrics",
    title="Tandem metrics",
    description="Shared KPIs of delivery, operations and strategy (a catalogue with targets, thresholds, dimensions "
    "and weekly and monthly series), kept from every service's events and from service signals (incidents, outages, "
    "CSAT) other systems send; incidents are linked to the changes that caused them.",
    routers=[kpis_router, signals_router],
    handlers=HANDLERS,
)


def create_app(**kwargs) -> FastAPI:  # noqa: ANN003 - forwarded to create_service_app
    """Build the metrics service app."""
    return create_service_app(SPEC, **kwargs)
