"""The knowledge service app."""

from __future__ import annotations

from fastapi import FastAPI
from tandem_shared.app import ServiceSpec, create_service_app

from tandem_knowledge.articles.routes import router
from tandem_knowledge.drafts.routes import router as lessons_router
from tandem_knowledge.evergreen.routes import router as evergreen_router
from tandem_knowledge.evergreen.task import review_due_sweep
from tandem_knowledge.feedback.routes import router as feedback_router
from tandem_knowledge.handlers import HANDLERS
from tandem_knowledge.reviews.routes import router as reviews_router
from tandem_knowledge.search.routes import router as search_router

SPEC = ServiceSpec(
    name="knowledge",
    title="Tandem knowledge",
    description="Knowledge management: how-tos, runbooks, known errors, lessons learned, handovers and FAQs, "
    "linked to the projects and changes they came from.",
    routers=[router, reviews_router, feedback_router, evergreen_router, lessons_router, search_router],
    handlers=HANDLERS,
    background=[review_due_sweep],
)


def create_app(**kwargs) -> FastAPI:  # noqa: ANN003 - forwarded to create_service_app
    """Build the knowledge service app."""
    return create_service_app(SPEC, **kwargs)
