"""The search use case: parse the query, decide what the caller may see, rank, count, mark the matches."""

from __future__ import annotations

import html
import uuid
from collections import Counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import decode_cursor, encode_cursor
from tandem_shared.auth import Actor
from tandem_shared.errors import Forbidden, ValidationProblem

from tandem_knowledge.articles.evergreen import article_is_stale, evergreen_settings, today
from tandem_knowledge.articles.lifecycle import ArticleStatus
from tandem_knowledge.search.query import Query, describe, parse
from tandem_knowledge.search.repository import (
    MARK_END,
    MARK_START,
    Hit,
    Sample,
    SearchFilters,
    SearchRepository,
    Visibility,
)
from tandem_knowledge.search.schemas import FacetCount, Facets, SearchHit, SearchPage

EDITOR_ROLES = ("knowledge_editor",)  # and admin (Actor.has_any)
PRIVATE = (ArticleStatus.DRAFT.value, ArticleStatus.IN_REVIEW.value)
FACET_TAGS = 20
# Matches counted (total, facets) at most: beyond, the total is "5,000+" and the facets count those 5,000.
COUNT_CAP = 5_000
# Matches ranked by relevance over every field at most, per backend (docs/knowledge.md): ranking reads each match's
# vector, which PostgreSQL keeps out of line (about 25 µs each on the benchmark machine), FTS5 in its index.
RANK_CAP = {"sqlite": 5_000, "postgresql": 1_000}
RELEVANCE, HEAD, NEWEST = "r", "h", "n"  # the orders a page's hits come from, kept in the cursor


def visibility(actor: Actor, *, include_retired: bool, status: str | None) -> Visibility:
    """Published articles for everyone; drafts and reviews for their author or owner and editors; retired on request.

    Asking for retired articles (include_retired, or status=retired) is an editor's search: 403 for anyone else.
    """
    editor = actor.has_any(*EDITOR_ROLES)
    retired = include_retired or status == ArticleStatus.RETIRED
    if retired and not editor:
        raise Forbidden("retired articles are searched by knowledge editors only (include_retired, status=retired)",
                        required_roles=list(EDITOR_ROLES))
    public = (ArticleStatus.PUBLISHED.value, ArticleStatus.RETIRED.value) if retired else (
        ArticleStatus.PUBLISHED.value,)
    return Visibility(public=public, private=PRIVATE, reader=None if editor else actor.sub)


def _after(cursor: str | None) -> tuple[str, Any, uuid.UUID] | None:
    """The (order, sort key, id) a cursor holds, or a 422 naming the cursor."""
    if cursor is None:
        return None
    values = decode_cursor(cursor)
    try:
        order, key, last = values
        if order not in (RELEVANCE, HEAD, NEWEST) or isinstance(key, bool) or not isinstance(key, int | float | str):
            raise ValueError(order)
        return order, key, uuid.UUID(str(last))
    except (TypeError, ValueError) as exc:
        raise ValidationProblem.field("cursor", "not a cursor returned by this search") from exc


def marked_html(text: str) -> str:
    """Text as HTML: escaped, with the marked matches in <mark>…</mark>."""
    return html.escape(text, quote=False).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _counts(counter: Counter[str], top: int | None = None) -> list[FacetCount]:
    return [FacetCount(value=v, count=n) for v, n in sorted(counter.items(), key=lambda p: (-p[1], p[0]))[:top]]


async def _page(repository: SearchRepository, query: Query, filters: SearchFilters, seen: Visibility, *,
                order: str, limit: int, after: tuple[str, Any, uuid.UUID] | None,
                sample: Sample) -> list[tuple[str, Hit]]:
    """Up to `limit` hits after the cursor, each with the order it came from."""
    known = sample.ids
    if order == RELEVANCE:
        hits = await repository.ranked(query, filters, seen, limit=limit, after=after and after[1:], known=known)
        return [(RELEVANCE, h) for h in hits]
    page: list[tuple[str, Hit]] = []
    if after is None or after[0] == HEAD:
        head = await repository.ranked(query, filters, seen, match="head", limit=limit, after=after and after[1:],
                                       known=known)
        page = [(HEAD, h) for h in head]
        after = None
    if len(page) < limit:
        rest = await repository.newest(query, filters, seen, limit=limit - len(page), after=after and after[1:],
                                       dense=sample.more, known=known)
        page += [(NEWEST, h) for h in rest]
    return page


async def search(session: AsyncSession, *, actor: Actor, q: str, filters: SearchFilters, include_retired: bool,
                 limit: int, cursor: str | None) -> SearchPage:
    """One page of the articles matching `q` that the caller may see, best first, with counts and marked passages.

    Counting and facets stop at COUNT_CAP matches (`total_exact` false beyond). Up to the backend's RANK_CAP matches,
    every match is ranked by relevance over all its fields. Beyond that, ranking every match would read every
    match's text: the articles whose terms all match in the title, tags or kind come first, by relevance there, and
    the other matches follow newest first (`ranking: head_then_newest`). The matches are the same either way.
    """
    query = parse(q)
    seen = visibility(actor, include_retired=include_retired, status=filters.status)
    after = _after(cursor)
    repository = SearchRepository(session)
    await repository.plan_for_search(query)
    sample = await repository.sample(query, filters, seen, cap=COUNT_CAP)
    if after is not None:
        order = RELEVANCE if after[0] == RELEVANCE else HEAD
    else:
        broad = sample.more or sample.count > RANK_CAP.get(repository.dialect, min(RANK_CAP.values()))
        order = HEAD if broad else RELEVANCE
    hits = await _page(repository, query, filters, seen, order=order, limit=limit + 1, after=after, sample=sample)
    page, more = hits[:limit], len(hits) > limit
    ids = [hit.id for _, hit in page]
    snippets = await repository.snippets(query, [hit for _, hit in page])
    articles = await repository.articles(ids)
    grace, now = evergreen_settings().stale_grace_days, today()
    items = []
    for _, hit in page:
        article: Any = articles.get(hit.id)
        snippet = snippets.get(hit.id)
        if article is None or snippet is None:
            continue  # deleted between the statements of this read
        items.append(SearchHit(
            id=hit.id, title=article["title"], title_highlight=marked_html(snippet.title),
            snippet=marked_html(snippet.body), kind=article["kind"], status=article["status"],
            author=article["author"], owner=article["owner"], tags=article["tags"] or [],
            project_id=article["project_id"], change_id=article["change_id"], ci_ids=article["ci_ids"] or [],
            service_ids=article["service_ids"] or [], review_due=article["review_due"],
            stale=article_is_stale(article["status"], article["review_due"], now, grace),
            needs_refresh=article["needs_refresh"], updated_at=article["updated_at"], score=hit.score,
        ))
    next_cursor = None
    if more:
        last_order, last = page[-1]
        next_cursor = encode_cursor((last_order, last.key, str(last.id)))
    return SearchPage(
        items=items, next_cursor=next_cursor, limit=limit, total=sample.count, total_exact=not sample.more,
        ranking="relevance" if order == RELEVANCE else "head_then_newest", interpreted=describe(query),
        facets=Facets(kind=_counts(sample.kind), status=_counts(sample.status), tag=_counts(sample.tag, FACET_TAGS)),
    )
