"""The article lifecycle: kinds of article and the statuses an article passes through (transitions come later)."""

from __future__ import annotations

from enum import StrEnum


class ArticleKind(StrEnum):
    HOW_TO = "how_to"
    RUNBOOK = "runbook"
    KNOWN_ERROR = "known_error"
    LESSONS_LEARNED = "lessons_learned"
    HANDOVER = "handover"
    FAQ = "faq"
    # A post-implementation review, drafted by Tandem when a change fails or is backed out.
    CHANGE_REVIEW = "change_review"


class ArticleStatus(StrEnum):
    """Every article starts as a draft."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


INITIAL_STATUS = ArticleStatus.DRAFT
