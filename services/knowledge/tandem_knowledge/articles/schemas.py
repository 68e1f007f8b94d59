"""Request and response bodies of the knowledge API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from tandem_shared.api import Page

from tandem_knowledge.articles.lifecycle import ArticleKind, ArticleStatus
from tandem_knowledge.articles.tags import MAX_TAG_LENGTH, MAX_TAGS, normalise_tags

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG_LENGTH)]
MAX_BODY = 200_000
MAX_CIS = 100
CI_IDS_DESCRIPTION = (f"Up to {MAX_CIS} configuration items (CMDB ids) the article documents; when one of them is "
                      "updated or retired, a published runbook linked to it is flagged for refresh.")


class ArticleCreate(BaseModel):
    """A new article, drafted by the caller."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "Restart the payment gateway safely", "kind": "runbook",
        "body": "## Steps\n1. Drain traffic\n2. Restart pay-gw-01, then pay-gw-02",
        "tags": ["payments", "gateway"], "change_id": "0b1d5c0e-8f1e-4a3b-9d6f-2c7f3e9a1b42",
        "review_due": "2027-06-01",
    }]})

    title: Title
    kind: ArticleKind
    body: str = Field("", max_length=MAX_BODY, description="Markdown.")
    owner: PersonRef | None = Field(None, description="Who keeps the article current; defaults to the author.")
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS,
                            description=f"Up to {MAX_TAGS} tags; stored trimmed, lower case and without duplicates.")
    project_id: uuid.UUID | None = Field(None, description="The portfolio project the article belongs to.")
    change_id: uuid.UUID | None = Field(None, description="The change request the article came from.")
    review_due: date | None = Field(None, description="When the owner should next review the article.")
    ci_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_CIS, description=CI_IDS_DESCRIPTION)

    @field_validator("tags")
    @classmethod
    def _normalise_tags(cls, tags: list[str]) -> list[str]:
        return normalise_tags(tags)

    @field_validator("ci_ids")
    @classmethod
    def _unique_cis(cls, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        return list(dict.fromkeys(ids))


class ArticleUpdate(BaseModel):
    """An edit: the fields given replace the stored ones; an edit makes a new version and clears the refresh flag."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "body": "## Steps\n1. Drain traffic\n2. Restart pay-gw-01, then pay-gw-02\n3. Check the health page",
        "ci_ids": ["0b5f3a52-8a53-4a5e-9f37-7a2e5d1c9e01"],
    }]})

    title: Title | None = None
    body: str | None = Field(None, max_length=MAX_BODY, description="Markdown.")
    owner: PersonRef | None = Field(None, description="Who keeps the article current.")
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS,
                                   description=f"Up to {MAX_TAGS} tags; replaces the stored tags.")
    review_due: date | None = Field(None, description="When the owner should next review the article.")
    ci_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_CIS, description=CI_IDS_DESCRIPTION)

    @field_validator("tags")
    @classmethod
    def _normalise_tags(cls, tags: list[str] | None) -> list[str] | None:
        return None if tags is None else normalise_tags(tags)

    @field_validator("ci_ids")
    @classmethod
    def _unique_cis(cls, ids: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        return None if ids is None else list(dict.fromkeys(ids))


class ArticleRead(BaseModel):
    """An article as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    body: str
    kind: ArticleKind
    status: ArticleStatus
    author: str
    owner: str
    tags: list[str]
    project_id: uuid.UUID | None
    change_id: uuid.UUID | None
    review_due: date | None
    ci_ids: list[uuid.UUID] = Field(description="Configuration items the article documents.")
    needs_refresh: bool = Field(description="True when a linked configuration item changed since the last edit.")
    refresh_reason: str | None = Field(description="Why the article was flagged for refresh (which CI, what changed).")
    version: int
    created_at: datetime
    updated_at: datetime


class ArticlePage(Page[ArticleRead]):
    """A page of articles."""

