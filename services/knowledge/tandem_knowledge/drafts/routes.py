"""Routes of drafts' fruit: /lessons, the published lessons offered to a new project's intake."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from tandem_shared.api import UnitOfWorkDep
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES, ValidationProblem

from tandem_knowledge.articles import service as articles
from tandem_knowledge.articles.evergreen import article_is_stale, evergreen_settings, today
from tandem_knowledge.articles.tags import MAX_TAG_LENGTH
from tandem_knowledge.drafts import service
from tandem_knowledge.drafts.schemas import LessonRead

router = APIRouter(tags=["lessons"], responses=PROBLEM_RESPONSES)
MAX_FILTERS = 50


@router.get("/lessons", response_model=list[LessonRead], summary="Lessons learned for a project's intake",
            description="Published lessons-learned articles documenting any of the given business services or CIs, "
            "or tagged with any of the given categories (a project's category is tagged on its lessons): those "
            "matching the most first, then the newest. Portfolio's intake asks with the services and CIs a new "
            "project touches. Repeat a parameter for several values.")
async def lessons(
    uow: UnitOfWorkDep, _actor: CurrentActor,
    service_id: Annotated[list[uuid.UUID], Query(max_length=MAX_FILTERS)] = [],  # noqa: B006 - FastAPI copies it
    ci_id: Annotated[list[uuid.UUID], Query(max_length=MAX_FILTERS)] = [],  # noqa: B006
    category: Annotated[list[str], Query(max_length=MAX_FILTERS)] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[LessonRead]:
    if not (service_id or ci_id or category):
        raise ValidationProblem.field("service_id", "name at least one service_id, ci_id or category")
    for index, value in enumerate(category):
        if not value.strip() or len(value) > MAX_TAG_LENGTH:
            raise ValidationProblem.field(f"category.{index}", f"1 to {MAX_TAG_LENGTH} characters")
    on, grace = today(), evergreen_settings().stale_grace_days
    found = await service.lessons_for(uow, service_ids=service_id, ci_ids=ci_id, categories=category, limit=limit)
    return [LessonRead(
        id=lesson.article.id, title=lesson.article.title, project_id=lesson.article.project_id,
        owner=lesson.article.owner, tags=lesson.article.tags, service_ids=lesson.article.service_ids,
        ci_ids=lesson.article.ci_ids, published_version=lesson.article.published_version,
        published_at=lesson.article.published_at,
        stale=article_is_stale(lesson.article.status, lesson.article.review_due, on, grace),
        feedback=articles.feedback_summary(lesson.article), matched_on=lesson.matched_on) for lesson in found]
