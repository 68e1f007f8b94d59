"""Routes of readers' feedback: /articles/{id}/feedback."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from tandem_shared.api import PageDep, UnitOfWorkDep
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_knowledge.articles import service as articles
from tandem_knowledge.feedback import service
from tandem_knowledge.feedback.repository import FeedbackRepository
from tandem_knowledge.feedback.schemas import FeedbackGiven, FeedbackPage, FeedbackRead, FeedbackWrite

router = APIRouter(tags=["feedback"], responses=PROBLEM_RESPONSES)
FEEDBACK = "/articles/{article_id}/feedback"


@router.post(FEEDBACK, response_model=FeedbackGiven, status_code=201,
             summary="Say whether the published version helped",
             description="Any reader, once per published version (201); sending again changes the answer (200). "
             "Only a published article takes feedback (409 otherwise). The article's helpful ratio counts the "
             "published version's answers and orders the review queue.")
async def give_feedback(article_id: uuid.UUID, body: FeedbackWrite, uow: UnitOfWorkDep, actor: CurrentActor,
                        response: Response) -> FeedbackGiven:
    article = await articles.get_article(uow, article_id)
    entry, created = await service.give(uow, actor=actor, article=article, helpful=body.helpful,
                                        comment=body.comment)
    if not created:
        response.status_code = 200
    return FeedbackGiven(**FeedbackRead.model_validate(entry).model_dump(),
                         summary=articles.feedback_summary(article))


@router.get(FEEDBACK, response_model=FeedbackPage, summary="Readers' feedback on an article",
            description="The author, the owner, knowledge editors and admins see every reader's answer and comment; "
            "anyone else sees their own.")
async def list_feedback(article_id: uuid.UUID, uow: UnitOfWorkDep, actor: CurrentActor, page: PageDep,
                        version: Annotated[int | None, Query(ge=1, description="One version's answers.")] = None,
                        ) -> FeedbackPage:
    article = await articles.get_article(uow, article_id)
    reader = None if articles.may_act(actor, article) else actor.sub
    rows, cursor = await uow.repo(FeedbackRepository).page(article.id, page, version=version, reader=reader)
    return FeedbackPage(items=[FeedbackRead.model_validate(r) for r in rows], next_cursor=cursor, limit=page.limit)
