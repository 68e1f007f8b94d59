"""Routes of /knowledge/v1/search."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.openapi.models import Example
from tandem_shared.api import SessionDep, UTCDatetime
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_knowledge.articles.lifecycle import ArticleKind, ArticleStatus
from tandem_knowledge.articles.tags import MAX_TAG_LENGTH, normalise_tag
from tandem_knowledge.search import service
from tandem_knowledge.search.query import MAX_QUERY_LENGTH
from tandem_knowledge.search.repository import SearchFilters
from tandem_knowledge.search.schemas import SearchPage

# A search reads: it is refused (401, 403 for retired articles) or invalid (422), never missing or in conflict.
router = APIRouter(tags=["search"], responses={k: v for k, v in PROBLEM_RESPONSES.items() if k in (401, 403, 422)})
MAX_LIMIT = 100

Q_EXAMPLES = {
    "words": Example(summary="Words: every one must match", value="restart payment gateway"),
    "phrase": Example(summary="A phrase: these words in this order", value='"disk full" database'),
    "exclude": Example(summary="Exclude a word or a phrase", value='vpn timeout -windows -"split tunnel"'),
    "or": Example(summary="Either term (or binds the two terms beside it)", value="certificate expired or revoked"),
    "prefix": Example(summary="Words starting with a prefix", value="kube* rollback"),
}
DESCRIPTION = """Full-text search over the articles the caller may see, best match first.

**Query syntax** (`q`): words must all match (`restart gateway`); `"quoted phrases"` match those words next to each
other in one field; `-word` and `-"a phrase"` exclude; `or` between two terms matches either (`a b or c` is a AND
(b OR c)); `word*` matches words starting with `word` (three characters at least). Words are stemmed (`restarting`
finds `restart`) and case is ignored; punctuation separates words (`pay-gw-01` is the phrase `"pay gw 01"`). An
unbalanced quote runs to the end of the query; a query with no word to look for is a 422.

**Ranking**: a match in the title weighs most, then tags, then the kind, then the body; rare words weigh more than
common ones. **Snippets**: `title_highlight` and `snippet` are HTML (escaped text, matches in `<mark>`).
**Visibility**: published articles for everyone; drafts and articles in review for their author or owner and for
knowledge editors; retired articles only for knowledge editors, with `include_retired=true` (or `status=retired`),
403 for others. **Facets** count every match the caller may see, with the filters applied. **Pages**: pass
`next_cursor` as `cursor`; the order (score, then id) is stable while the articles do not change."""


@router.get("/search", response_model=SearchPage, summary="Search articles", description=DESCRIPTION)
async def search_articles(
    session: SessionDep, actor: CurrentActor,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="The query (syntax above).",
                            openapi_examples=Q_EXAMPLES)],
    kind: ArticleKind | None = None,
    status: Annotated[ArticleStatus | None, Query(description="Only articles in this status (among those the caller "
                                                              "may see).")] = None,
    tag: Annotated[str | None, Query(max_length=MAX_TAG_LENGTH, description="Articles carrying this tag.")] = None,
    author: Annotated[str | None, Query(max_length=200)] = None,
    project_id: uuid.UUID | None = None,
    change_id: uuid.UUID | None = None,
    ci_id: Annotated[uuid.UUID | None, Query(description="Articles documenting this configuration item.")] = None,
    service_id: Annotated[uuid.UUID | None, Query(description="Articles documenting this business service.")] = None,
    updated_since: Annotated[UTCDatetime | None, Query(description="Articles updated at or after this time.")] = None,
    include_retired: Annotated[bool, Query(description="Knowledge editors: retired articles too.")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Matches per page (at most {MAX_LIMIT}).")] = 20,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> SearchPage:
    filters = SearchFilters(
        kind=kind.value if kind else None, status=status.value if status else None,
        tag=normalise_tag(tag) if tag else None, author=author, project_id=project_id, change_id=change_id,
        ci_id=ci_id, service_id=service_id, updated_since=updated_since,
    )
    return await service.search(session, actor=actor, q=q, filters=filters, include_retired=include_retired,
                                limit=limit, cursor=cursor)
