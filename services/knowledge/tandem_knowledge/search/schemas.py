"""Response bodies of GET /knowledge/v1/search."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from tandem_shared.api import Page


class FacetCount(BaseModel):
    """How many matched articles carry a value."""

    value: str
    count: int


class Facets(BaseModel):
    """Counts over every matched article the caller may see (with the filters applied), largest first."""

    kind: list[FacetCount]
    status: list[FacetCount]
    tag: list[FacetCount] = Field(description="The most frequent tags among the matches (at most 20).")


class SearchHit(BaseModel):
    """One matched article: its fields, the title and a passage with the matches marked, and where it stands."""

    id: uuid.UUID
    title: str
    title_highlight: str = Field(description="The title as HTML: text escaped, matched words in <mark>…</mark>.")
    snippet: str = Field(description="Passages of the body around the matches as HTML (escaped, <mark>…</mark>), "
                                     "joined by …; the start of the body when only other fields matched.")
    kind: str
    status: str
    author: str
    owner: str
    tags: list[str]
    project_id: uuid.UUID | None
    change_id: uuid.UUID | None
    ci_ids: list[uuid.UUID]
    service_ids: list[uuid.UUID] = Field(default_factory=list)
    review_due: date | None
    stale: bool = Field(description="A published article past its review date by more than the grace period.")
    needs_refresh: bool = Field(description="A configuration item it documents changed since the last edit.")
    updated_at: datetime
    score: float = Field(description="Relevance, higher is better; comparable only within one search.")


class SearchPage(Page[SearchHit]):
    """A page of matches, best first, with the number of matches and facet counts."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [{
            "id": "5b0c1f4e-2d8a-4c5e-9a77-0c3f2e1d9b10", "title": "Restart the payment gateway",
            "title_highlight": "Restart the <mark>payment gateway</mark>",
            "snippet": "Drain traffic from pay-gw-01, then <mark>restart</mark> the gateway service. Check the health "
                       "page.",
            "kind": "runbook", "status": "published", "author": "alice", "owner": "alice",
            "tags": ["payments", "gateway"], "project_id": None, "change_id": None, "ci_ids": [], "service_ids": [],
            "review_due": "2027-03-06", "stale": False, "needs_refresh": False,
            "updated_at": "2026-12-06T10:15:00Z", "score": 7.12,
        }],
        "next_cursor": None, "limit": 20, "total": 1, "total_exact": True, "ranking": "relevance",
        "interpreted": 'restart AND "payment gateway" AND NOT windows',
        "facets": {"kind": [{"value": "runbook", "count": 1}], "status": [{"value": "published", "count": 1}],
                   "tag": [{"value": "gateway", "count": 1}, {"value": "payments", "count": 1}]},
    }]})

    total: int = Field(description="Matched articles the caller may see, with the filters applied; counting stops at "
                                   "5,000 (then `total_exact` is false: show it as 5,000+).")
    total_exact: bool = Field(description="False when more articles match than were counted: `total` and the facets "
                                          "then cover the first 5,000 matches in the index's order.")
    ranking: Literal["relevance", "head_then_newest"] = Field(description=(
        "`relevance`: every match ranked over all its fields. `head_then_newest` (a broad query, matching more "
        "than 1,000 articles on PostgreSQL or 5,000 on SQLite): articles whose terms all match in the title, tags "
        "or kind first, by relevance there, then the other matches newest first (score 0)."))
    facets: Facets
    interpreted: str = Field(description="How the query was read: AND, OR, NOT and \"phrases\" spelled out.")
