"""The knowledge service app."""

from __future__ import annotations

from fastapi import FastAPI
from tandem_shared.app import ServiceSpec, create_service_app

from tandem_knowledge.articles.routes import router
from tandem_knowledge.handlers import HANDLERS

SPEC = ServiceSpec(
    name="knowledge",
    title="Tandem knowledge",
    description="Knowledge management: how-tos, runbooks, known errors, lessons learned, handovers and FAQs, "
    "linked to the projects and changes they came from.",
    routers=[router],
    handlers=HANDLERS,
)


def create_app(**kwargs) -> FastAPI:  # noqa: ANN003 - forwarded to create_service_app
    """Build the knowledge service app."""
    return create_service_app(SPEC, **kwargs)
