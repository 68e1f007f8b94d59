"""The metrics service app."""

from __future__ import annotations

from fastapi import FastAPI
from tandem_shared.app import ServiceSpec, create_service_app

from tandem_metrics.kpis.routes import router
from tandem_metrics.handlers import HANDLERS

SPEC = ServiceSpec(
    name="metrics",
    title="Tandem metrics",
    description="KPIs across the platform (changes, change hours booked, projects, articles), "
    "kept from every service's events and rebuildable by replaying them.",
    routers=[router],
    handlers=HANDLERS,
)


def create_app(**kwargs) -> FastAPI:  # noqa: ANN003 - forwarded to create_service_app
    """Build the metrics service app."""
    return create_service_app(SPEC, **kwargs)
