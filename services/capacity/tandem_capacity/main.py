"""The capacity service app."""

from __future__ import annotations

from fastapi import FastAPI
from tandem_shared.app import ServiceSpec, create_service_app

from tandem_capacity.api.routes import router
from tandem_capacity.bookings.routes import router as bookings_router
from tandem_capacity.demand.routes import router as demand_router
from tandem_capacity.handlers import HANDLERS
from tandem_capacity.operations.routes import router as operations_router
from tandem_capacity.outlook.routes import router as outlook_router
from tandem_capacity.outlook.task import publish_snapshots

SPEC = ServiceSpec(
    name="capacity",
    title="Tandem capacity",
    description="Capacity: people and their skills, bookings of their hours spread over ISO weeks (from projects, "
    "approved changes and operations work), role requests, skill gaps and weekly utilisation.",
    routers=[router, bookings_router, demand_router, operations_router, outlook_router],
    handlers=HANDLERS,
    background=[publish_snapshots],
    tags=[
        {"name": "people", "description": "The capacity pool: people, teams and skills."},
        {"name": "bookings", "description": "Booked hours per person and ISO week, and utilisation."},
        {"name": "role requests", "description": "Project demand without a named person, and its assignment."},
        {"name": "operations", "description": "Run work and on-call rotations, booked as operations work."},
        {"name": "skill gaps", "description": "Demand against supply per skill and ISO week."},
    ],
)


def create_app(**kwargs) -> FastAPI:  # noqa: ANN003 - forwarded to create_service_app
    """Build the capacity service app."""
    return create_service_app(SPEC, **kwargs)
