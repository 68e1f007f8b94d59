"""The portfolio service app."""

from __future__ import annotations

from fastapi import FastAPI
from tandem_shared.app import ServiceSpec, create_service_app

import tandem_portfolio.gate_criteria  # noqa: F401 - every package's gate criteria join the registry
from tandem_portfolio.benefits.routes import router as benefits_router
from tandem_portfolio.business_cases.routes import router as business_cases_router
from tandem_portfolio.capacity_outlook.routes import router as capacity_outlook_router
from tandem_portfolio.costs.routes import router as costs_router
from tandem_portfolio.decisions.routes import router as decisions_router
from tandem_portfolio.demand.routes import router as demand_router
from tandem_portfolio.gates.routes import router as gates_router
from tandem_portfolio.handlers import HANDLERS
from tandem_portfolio.handover.routes import router as handover_router
from tandem_portfolio.milestones.routes import router as milestones_router
from tandem_portfolio.objectives.routes import router as objectives_router
from tandem_portfolio.projects.routes import router
from tandem_portfolio.risks.routes import router as risks_router
from tandem_portfolio.scope.routes import router as scope_router
from tandem_portfolio.scoring.routes import router as scoring_router
from tandem_portfolio.selections.routes import router as selections_router
from tandem_portfolio.selections.task import solve_queued_runs
from tandem_portfolio.status.routes import router as status_router

SPEC = ServiceSpec(
    name="portfolio",
    title="Tandem portfolio",
    description="Portfolio management: projects (run, grow, transform) from proposal through delivery to closure.",
    routers=[router, demand_router, decisions_router, objectives_router, gates_router, milestones_router, risks_router,
             scope_router, costs_router, status_router, business_cases_router, benefits_router, scoring_router,
             handover_router, selections_router, capacity_outlook_router],
    handlers=HANDLERS,
    # Large selection runs are solved in the background (POST /selections answers 202).
    background=[solve_queued_runs],
)


def create_app(**kwargs) -> FastAPI:
    """Build the portfolio service app."""
    return create_service_app(SPEC, **kwargs)
