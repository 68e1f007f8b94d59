"""The change service app."""

from __future__ import annotations

from fastapi import FastAPI
from tandem_shared.app import ServiceSpec, create_service_app

from tandem_change.approvals.routes import router as approvals_router
from tandem_change.bookings.routes import router as bookings_router
from tandem_change.changes.routes import router
from tandem_change.cmdb.impact_routes import router as impact_router
from tandem_change.cmdb.routes import router as cmdb_router
from tandem_change.feeds.routes import router as feeds_router
from tandem_change.handlers import HANDLERS
from tandem_change.risk.routes import router as risk_router
from tandem_change.scheduling.routes import router as scheduling_router
from tandem_change.scores.routes import router as scores_router
from tandem_change.standard.routes import router as standard_router

SPEC = ServiceSpec(
    name="change",
    title="Tandem change",
    description="Change enablement: change requests through new → assess → authorize → scheduled → implement → "
    "review → closed, with risk assessment, approval policies voted by approver groups, a standard change "
    "catalogue and team change success scores; a CMDB with impact analysis, conflict checks, next free "
    "windows and a change calendar. Authorised changes book the implementer's hours in capacity.",
    routers=[router, approvals_router, risk_router, standard_router, scores_router, cmdb_router, impact_router,
             scheduling_router, feeds_router, bookings_router],
    handlers=HANDLERS,
)


def create_app(**kwargs) -> FastAPI:
    """Build the change service app."""
    return create_service_app(SPEC, **kwargs)
