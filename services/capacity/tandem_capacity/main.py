"""The capacity service app."""

from __future__ import annotations

from fastapi import FastAPI
from tandem_shared.app import ServiceSpec, create_service_app

from tandem_capacity.bookings.routes import router as bookings_router
from tandem_capacity.demand.routes import router as demand_router
from tandem_capacity.episodes.checks import check_episodes
from tandem_capacity.handlers import HANDLERS
from tandem_capacity.operations.routes import router as operations_router
from tandem_capacity.outlook.routes import router as outlook_router
from tandem_capacity.outlook.task import publish_snapshots
from tandem_capacity.people.routes import router as people_router
from tandem_capacity.scenarios.routes import router as scenarios_router
from tandem_capacity.supply.routes import router as supply_router
from tandem_capacity.views.routes import router as views_router

SPEC = ServiceSpec(
    name="capacity",
    title="Tandem capacity",
    description="Capacity: people and their skills, bookings of their hours spread over ISO weeks (from projects, "
    "approved changes and operations work), role requests, skill gaps; supply (schedules, time off, holidays), "
    "utilisation views, the heatmap, over-allocation alerts, the resource finder and what-if scenarios.",
    routers=[people_router, bookings_router, demand_router, operations_router, outlook_router, supply_router,
             views_router, scenarios_router],
    handlers=HANDLERS,
    background=[publish_snapshots, check_episodes],
    tags=[
        {"name": "people", "description": "The capacity pool: people, teams and skills."},
        {"name": "bookings", "description": "Booked hours per person and ISO week, and utilisation."},
        {"name": "supply", "description": "Teams, the skill catalogue, working schedules, time off and holidays."},
        {"name": "views", "description": "Utilisation of teams and skills, the heatmap, alerts, the resource finder."},
        {"name": "scenarios", "description": "What-if copies of live bookings, moved without touching them."},
        {"name": "role requests", "description": "Project demand without a named person, and its assignment."},
        {"name": "operations", "description": "Run work and on-call rotations, booked as operations work."},
        {"name": "skill gaps", "description": "Demand against supply per skill and ISO week."},
    ],
)


def create_app(**kwargs) -> FastAPI:
    """Build the capacity service app."""
    return create_service_app(SPEC, **kwargs)
