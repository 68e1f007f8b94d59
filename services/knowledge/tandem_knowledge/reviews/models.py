"""Tables of reviews: the reviewer policy per kind, each review of a version and its votes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_knowledge.base import Base


class ReviewPolicy(Base):
    """Who reviews articles of a kind (or, under kind `default`, of every kind without its own) and the quorum."""

    __tablename__ = "review_policies"

    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    members: Mapped[list[str]] = mapped_column(sa.JSON)  # empty: any knowledge editor
    quorum_kind: Mapped[str] = mapped_column(sa.String(20))
    quorum_value: Mapped[int]
    updated_by: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ArticleReview(Base):
    """One review of a version of an article: the reviewers and quorum frozen when it was submitted, the outcome."""

    __tablename__ = "article_reviews"
    __table_args__ = (
        # One open review per article: two racing submissions cannot both succeed.
        sa.Index("ix_article_reviews_one_open", "article_id", unique=True,
                 sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'")),
        sa.CheckConstraint("state IN ('open', 'approved', 'rejected', 'withdrawn')", name="state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    article_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]  # the number the version under review gets when published
    revision: Mapped[bool]  # a revision of a published article
    kind: Mapped[str] = mapped_column(sa.String(20))
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    policy: Mapped[str] = mapped_column(sa.String(20))  # the kind whose policy applied, `default` or `built_in`
    open_group: Mapped[bool]  # any knowledge editor reviews (no members configured)
    reviewers: Mapped[list[str]] = mapped_column(sa.JSON)  # eligible members, authors left out; empty if open_group
    authors: Mapped[list[str]] = mapped_column(sa.JSON)  # who wrote the version: they never vote on it
    quorum_kind: Mapped[str] = mapped_column(sa.String(20))
    quorum_value: Mapped[int]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    submitted_by: Mapped[str] = mapped_column(sa.String(200))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    decided_by: Mapped[str | None] = mapped_column(sa.String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReviewVote(Base):
    """One reviewer's vote on a review; one per reviewer."""

    __tablename__ = "review_votes"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "voter", name="uq_review_votes_review_id_voter"),
        sa.CheckConstraint("decision IN ('approve', 'reject')", name="decision"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    review_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("article_reviews.id", ondelete="CASCADE"),
                                                 index=True)
    article_id: Mapped[uuid.UUID] = mapped_column(index=True)
    voter: Mapped[str] = mapped_column(sa.String(200))
    decision: Mapped[str] = mapped_column(sa.String(10))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
