"""The capacity service app."""

from __future__ import annotations

from fastapi import FastAPI
from tandem_shared.app import ServiceSpec, create_service_app

from tandem_capacity.api.routes import router
from tandem_capacity.handlers import HANDLERS

SPEC = ServiceSpec(
    name="capacity",
    title="Tandem capacity",
    description="Capacity: people and their skills, bookings of their hours spread over ISO weeks, "
    "and weekly utilisation; approved changes book their implementer's effort here.",
    routers=[router],
    handlers=HANDLERS,
    tags=[
        {"name": "people", "description": "The capacity pool: people, teams and skills."},
        {"name": "bookings", "description": "Booked hours per person and ISO week, and utilisation."},
    ],
)


def create_app(**kwargs) -> FastAPI:  # noqa: ANN003 - forwarded to create_service_app
    """Build the capacity service app."""
    return create_service_app(SPEC, **kwargs)
