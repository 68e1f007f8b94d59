"""Every table of the knowledge service, for Alembic and for anything that needs the whole metadata."""

from __future__ import annotations

from tandem_knowledge.articles.models import Article, ArticleVersion
from tandem_knowledge.base import Base
from tandem_knowledge.cmdb.models import KnownCI, KnownMaintenanceWindow, KnownRelationship
from tandem_knowledge.drafts.models import EventDraft
from tandem_knowledge.evergreen.models import ReviewDueNotice, ReviewInterval
from tandem_knowledge.feedback.models import ArticleFeedback
from tandem_knowledge.projects.models import KnownProject, ProjectFact
from tandem_knowledge.reviews.models import ArticleReview, ReviewPolicy, ReviewVote

__all__ = [
    "Article", "ArticleFeedback", "ArticleReview", "ArticleVersion", "Base", "EventDraft", "KnownCI",
    "KnownMaintenanceWindow", "KnownProject", "KnownRelationship", "ProjectFact", "ReviewDueNotice",
    "ReviewInterval", "ReviewPolicy", "ReviewVote",
]
