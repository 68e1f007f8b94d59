"""Every query of search: ranked matches, facet counts, highlighted snippets; SQLite FTS5 or PostgreSQL tsvector.

The index objects (migration 0005) are not in the ORM model: they are named here in SQL. Both backends take the same
`Query` (search/query.py) and return the same shapes; only the scores' scale differs (FTS5's bm25, PostgreSQL's
ts_rank), so a score is compared only with scores of the same search.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.db import UTCDateTime
from tandem_shared.errors import ValidationProblem

from tandem_knowledge.articles.models import Article
from tandem_knowledge.search.query import (
    Phrase,
    Query,
    Word,
    pair_groups,
    to_fts5,
    to_fts5_outside,
    to_highlight_tsquery,
    to_pairs_tsquery,
    to_tsquery,
)

# Marks around matched words in snippets: private-use characters, swapped for <mark> after the text is escaped.
MARK_START, MARK_END = "\ue000", "\ue001"
SNIPPET_WORDS = 24
HEADLINE_BEFORE, HEADLINE_WINDOW = 200, 1_200  # PostgreSQL: characters of the body ts_headline reads (snippets)
# Field weights, title > tags > kind > body: FTS5 bm25 per column (title, tags, kind, body); ts_rank per weight class
# in the order D (kind), C (body), B (tags), A (title).
FTS5_WEIGHTS = "10.0, 4.0, 2.0, 1.0"
TS_RANK_WEIGHTS = "{0.2, 0.1, 0.4, 1.0}"
# The head of an article: its short fields, which a broad search ranks on (see service.py).
HEAD_COLUMNS = ("title", "tags", "kind")
# PostgreSQL: phrases also narrowed by their adjacent lexeme pairs (migration 0006); off only to measure without.
PHRASE_PAIRS = True
RESULT_COLUMNS = ("id", "title", "kind", "status", "author", "owner", "tags", "project_id", "change_id", "ci_ids",
                  "service_ids", "review_due", "needs_refresh", "updated_at")


@dataclass(frozen=True)
class SearchFilters:
    """Filters on the matched articles; None means any."""

    kind: str | None = None
    status: str | None = None
    tag: str | None = None
    author: str | None = None
    project_id: uuid.UUID | None = None
    change_id: uuid.UUID | None = None
    ci_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class Visibility:
    """Which articles the caller may see: `public` statuses, and `private` ones when `reader` authors or owns them.

    `reader` None: every article of a private status (editors).
    """

    public: tuple[str, ...]
    private: tuple[str, ...] = ()
    reader: str | None = None


@dataclass(frozen=True)
class Hit:
    """One match in page order: the article, its score (higher is better within one search) and its sort key."""

    id: uuid.UUID
    score: float
    key: Any  # the backend's own sort value (a rank, a rowid, a creation time), kept in the cursor
    ref: Any = None  # SQLite: the article's rowid, by which FTS5 finds it again for its snippet


@dataclass(frozen=True)
class Sample:
    """Counts by kind, status and tag over `count` matches; `more` when others match beyond them."""

    count: int
    more: bool
    kind: Counter[str]
    status: Counter[str]
    tag: Counter[str]
    ids: tuple[uuid.UUID, ...] | None = None  # every match's id, when they were listed (see `sample`)


@dataclass(frozen=True)
class Snippet:
    """The title with matches marked, and the passages of the body around them (marked with MARK_START/MARK_END)."""

    title: str
    body: str


def _key(value: Any, parse: Any) -> Any:
    """A cursor's sort key as the statement compares it, or a 422 naming the cursor."""
    try:
        if isinstance(value, bool):
            raise TypeError(value)
        return parse(value)
    except (TypeError, ValueError) as exc:
        raise ValidationProblem.field("cursor", "not a cursor returned by this search") from exc


class SearchRepository:
    """Full-text search over the articles a caller may see."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self._sqlite = self.dialect == "sqlite"
        self._pairs: dict[Query, str | None] = {}  # PostgreSQL: each query's tsquery over `search_pairs`
        self._only_pairs: set[Query] = set()  # ... and those whose every group the pairs narrow

    async def plan_for_search(self, query: Query) -> None:
        """PostgreSQL: plan this transaction's statements for their own query, and never as a scan of every row.

        The planner neither knows a tsquery's selectivity in a generic plan (asyncpg prepares statements, and after
        five runs PostgreSQL may keep a generic plan) nor what checking `@@` on a row costs: the row's vector is read
        from TOAST, about 25 µs. A generic plan or a LIMIT then looks cheapest as a sequential scan that checks every
        article, 1.2 s over 100,000 where the GIN index takes 10 ms (docs/benchmarks.md). Both settings end with
        the transaction.

        The same statement finds the adjacent lexeme pairs of the query's phrases (`_pairs_condition`), normalised
        by the function that made the articles' pairs from their vectors.
        """
        if self._sqlite:
            return
        phrases = [p for group in pair_groups(query) for p in group] if PHRASE_PAIRS else []
        columns = "".join(f", ARRAY(SELECT lexeme FROM unnest(tandem_search_pairs(to_tsvector('tandem_search', "
                          f":phrase{i})))) AS pairs{i}" for i in range(len(phrases)))
        row = (await self.session.execute(sa.text(
            "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
            f"set_config('enable_seqscan', 'off', true){columns}"),
            {f"phrase{i}": " ".join(p.words) for i, p in enumerate(phrases)})).one()
        pairs = dict(zip(phrases, row[2:], strict=True))
        groups = [[pairs[p] for p in group] for group in pair_groups(query)] if phrases else []
        self._pairs[query] = to_pairs_tsquery(groups)
        if sum(1 for group in groups if all(group)) == len(query.groups):
            self._only_pairs.add(query)

    def pairs(self, query: Query) -> str | None:
        """The tsquery over `search_pairs` that narrows this query's matches (after `plan_for_search`), or None."""
        return self._pairs.get(query)

    def _matched(self, query: Query, params: dict[str, Any]) -> str:
        """PostgreSQL: the condition that article `a` matches the query `q`, narrowed by the pairs of its phrases.

        GIN answers a phrase from the articles holding all its lexemes, each then checked against its vector's
        positions (read from TOAST): a phrase of common words checks tens of thousands. Few articles hold its pairs,
        and every match does, since both come from the same vectors; `a.search_vector @@ q` still decides. When the
        pairs narrow every group, that check reads the vector through `coalesce` (the same value: the trigger always
        sets it), an expression the planner cannot answer from `ix_articles_search_vector`: with `@@` on the column
        it read that index's long posting lists of the phrase's common words beside the pairs' index (30–45 ms of
        50), or instead of it, for candidates the pairs had already ruled out.
        """
        pairs = self.pairs(query)
        if pairs is None:
            return "a.search_vector @@ q"
        params["pairs"] = pairs
        check = "coalesce(a.search_vector, ''::tsvector) @@ q" if query in self._only_pairs else "a.search_vector @@ q"
        return f"{check} AND a.search_pairs @@ CAST(:pairs AS tsquery)"

    # Filters ------------------------------------------------------------------------------------------------------

    def _holds(self, column: str, name: str) -> str:
        """A JSON list column holds the parameter's value; spelled per dialect."""
        if self._sqlite:
            return f"EXISTS (SELECT 1 FROM json_each(a.{column}) WHERE value = :{name})"
        return f"a.{column}::jsonb @> jsonb_build_array(CAST(:{name} AS text))"

    def _where(self, filters: SearchFilters, visibility: Visibility
               ) -> tuple[list[str], dict[str, Any], list[sa.BindParameter[Any]]]:
        """SQL conditions on `a`, their parameters and their typed bind declarations."""
        params: dict[str, Any] = {"public": list(visibility.public)}
        binds: list[sa.BindParameter[Any]] = [sa.bindparam("public", expanding=True)]
        seen = "a.status IN :public"
        if visibility.private:
            params["private"] = list(visibility.private)
            binds.append(sa.bindparam("private", expanding=True))
            if visibility.reader is None:
                seen += " OR a.status IN :private"
            else:
                params["reader"] = visibility.reader
                seen += " OR (a.status IN :private AND (a.author = :reader OR a.owner = :reader))"
        where = [f"({seen})"]
        for name in ("kind", "status", "author"):
            value = getattr(filters, name)
            if value is not None:
                where.append(f"a.{name} = :{name}")
                params[name] = value
        for name in ("project_id", "change_id"):
            value = getattr(filters, name)
            if value is not None:
                where.append(f"a.{name} = :{name}")
                params[name] = value
                binds.append(sa.bindparam(name, type_=sa.Uuid()))
        if filters.tag is not None:
            where.append(self._holds("tags", "tag"))
            params["tag"] = filters.tag
        if filters.ci_id is not None:
            where.append(self._holds("ci_ids", "ci_id"))
            params["ci_id"] = str(filters.ci_id)
        if filters.service_id is not None:
            where.append(self._holds("service_ids", "service_id"))
            params["service_id"] = str(filters.service_id)
        if filters.updated_since is not None:
            where.append("a.updated_at >= :updated_since")
            params["updated_since"] = filters.updated_since
            binds.append(sa.bindparam("updated_since", type_=UTCDateTime()))
        return where, params, binds

    def _statement(self, query: Query, filters: SearchFilters, visibility: Visibility, columns: str,
                   **options: Any) -> tuple[sa.TextClause, dict[str, Any]]:
        """The statement of `_select` and its parameters."""
        sql, params, binds = self._select(query, filters, visibility, columns, **options)
        return sa.text(sql).bindparams(*binds), params

    def _select(self, query: Query, filters: SearchFilters, visibility: Visibility, columns: str, *,
                match: str = "all", condition: str = "", order: str = "", after: str = "",
                limit: int | None = None, known: Sequence[uuid.UUID] | None = None,
                ) -> tuple[str, dict[str, Any], list[sa.BindParameter[Any]]]:
        """SELECT `columns` of the matched, visible, filtered articles `a` (with `articles_fts`, or `q` and `qh`).

        `a` is the narrow filter table on SQLite (see migration 0005) and `articles` on PostgreSQL.

        `match`: "all" every match; "head" those whose terms all match in the title, tags or kind; "rest" the others.
        `condition` joins the WHERE clause; `after` filters the selected columns (a keyset on a computed key).
        `known` (PostgreSQL): the ids of every match, found by `sample`, which stand for checking the query again.
        """
        where, params, binds = self._where(filters, visibility)
        if self._sqlite:
            params["match"] = {"all": to_fts5(query), "head": to_fts5(query, within=HEAD_COLUMNS),
                               "rest": to_fts5_outside(query, HEAD_COLUMNS)}[match]
            source = ("FROM articles_fts JOIN article_search_filters AS a ON a.article_rowid = articles_fts.rowid "
                      "WHERE articles_fts MATCH :match")
        else:
            params["tsquery"] = to_tsquery(query)
            source = "FROM articles AS a, to_tsquery('tandem_search', :tsquery) AS q"
            if match != "all":
                params["head_tsquery"] = to_tsquery(query, positive=True)
                source += ", to_tsquery('tandem_search', :head_tsquery) AS qh"
            if known is None:
                # The head's own index narrows a head match; the rest (and every match) is narrowed by the pairs.
                matched = "a.search_vector @@ q" if match == "head" else self._matched(query, params)
            else:
                matched = "a.id = ANY(:known)"
                params["known"] = list(known)
                binds.append(sa.bindparam("known", type_=postgresql.ARRAY(sa.Uuid())))
            if match == "head":
                # The head's words are the first words of the whole vector, at the same positions: a head that
                # matches the terms means the article matches them; the whole vector is read only for exclusions.
                source += " WHERE a.search_head @@ qh" + (f" AND {matched}" if query.excluded or known else "")
            else:
                source += f" WHERE {matched}" + (" AND NOT (a.search_head @@ qh)" if match == "rest" else "")
        sql = f"SELECT {columns} {source} AND {' AND '.join([*where, *([condition] if condition else [])])}"
        if after:
            sql = f"SELECT * FROM ({sql}) AS matched WHERE {after}"
        if order:
            sql += f" ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT :limit"
            params["limit"] = limit
        return sql, params, binds

    # Queries ------------------------------------------------------------------------------------------------------

    async def sample(self, query: Query, filters: SearchFilters, visibility: Visibility, *, cap: int) -> Sample:
        """Counts by kind, status and tag of up to `cap` matches (the first in the index's order); whether more match.

        One statement: the matches are found once (on PostgreSQL a phrase is checked against each candidate's vector)
        and counted in the database, which returns a few dozen rows.
        """
        matches, params, binds = self._select(query, filters, visibility, "a.id AS id, a.kind AS kind, "
                                              "a.status AS status, a.tags AS tags", limit=cap + 1)
        tags = "json_each(f.tags) AS t" if self._sqlite else "json_array_elements_text(f.tags) AS t(value)"
        # PostgreSQL checks a phrase against each candidate's vector, read from TOAST (25 µs): the ids of the
        # matches come back too, so that ranking and paging check none again.
        phrases = not self._sqlite and any(isinstance(t, Phrase) for t in [*query.terms(), *query.excluded])
        params["cap"] = cap
        stmt = sa.text(
            f"WITH m AS MATERIALIZED ({matches}), f AS (SELECT * FROM m LIMIT :cap) "
            "SELECT 'total' AS facet, '' AS value, count(*) AS n FROM m "
            "UNION ALL SELECT 'kind', f.kind, count(*) FROM f GROUP BY f.kind "
            "UNION ALL SELECT 'status', f.status, count(*) FROM f GROUP BY f.status "
            f"UNION ALL SELECT 'tag', t.value, count(*) FROM f, {tags} GROUP BY t.value"
            + (" UNION ALL SELECT 'id', CAST(f.id AS text), 0 FROM f" if phrases else "")
        ).bindparams(*binds)
        counts: dict[str, Counter[str]] = {"kind": Counter(), "status": Counter(), "tag": Counter()}
        found, ids = 0, []
        for facet, value, n in (await self.session.execute(stmt, params)).all():
            if facet == "total":
                found = n
            elif facet == "id":
                ids.append(uuid.UUID(value))
            else:
                counts[facet][value] = n
        return Sample(count=min(found, cap), more=found > cap, kind=counts["kind"], status=counts["status"],
                      tag=counts["tag"], ids=tuple(ids) if phrases and found <= cap else None)

    async def ranked(self, query: Query, filters: SearchFilters, visibility: Visibility, *, match: str = "all",
                     limit: int, after: tuple[Any, uuid.UUID] | None = None,
                     known: Sequence[uuid.UUID] | None = None) -> list[Hit]:
        """The best `limit` matches after the cursor's (key, id), best first, ties by id (`match`: see _statement)."""
        if self._sqlite:
            # bm25 is lower for better matches: ascending. A match in the head ranks by the head's words alone.
            columns = f"a.id AS id, bm25(articles_fts, {FTS5_WEIGHTS}) AS key, articles_fts.rowid AS ref"
            keyset, order = "key > :after_key OR (key = :after_key AND id > :after_id)", "key, id"
        else:
            vector, tsquery = ("a.search_head", "qh") if match == "head" else ("a.search_vector", "q")
            columns = f"a.id AS id, ts_rank('{TS_RANK_WEIGHTS}', {vector}, {tsquery}, 1) AS key, NULL AS ref"
            keyset, order = "key < :after_key OR (key = :after_key AND id > :after_id)", "key DESC, id"
        stmt, params = self._statement(query, filters, visibility, columns, match=match, order=order,
                                       after=keyset if after else "", limit=limit, known=known)
        if after is not None:
            params["after_key"], params["after_id"] = _key(after[0], float), after[1]
            stmt = stmt.bindparams(sa.bindparam("after_key", type_=sa.Float()),
                                   sa.bindparam("after_id", type_=sa.Uuid()))
        rows = (await self.session.execute(stmt.columns(id=sa.Uuid(), key=sa.Float()), params)).all()
        return [Hit(id=row.id, key=row.key, score=-row.key if self._sqlite else row.key, ref=row.ref) for row in rows]

    async def newest(self, query: Query, filters: SearchFilters, visibility: Visibility, *, limit: int,
                     after: tuple[Any, uuid.UUID] | None = None, dense: bool = True,
                     known: Sequence[uuid.UUID] | None = None) -> list[Hit]:
        """Matches whose terms do not all match in the head, newest first (after the cursor's key and id).

        SQLite: by rowid, the order articles were created in, which FTS5 walks backwards without sorting.
        PostgreSQL: by created_at. `dense` (more matches than were counted): down its index, checking each article
        against the query until the page is full, a few dozen articles. Otherwise every match from the GIN index,
        sorted: walking the index would check hundreds of articles per match, each reading its vector from TOAST,
        and the planner, which counts none of that, would walk it.
        """
        if self._sqlite:
            columns, order, key_type = "a.id AS id, articles_fts.rowid AS key", "articles_fts.rowid DESC", sa.Integer()
            keyset = "articles_fts.rowid < :after_key"
        else:
            columns, order, key_type = "a.id AS id, a.created_at AS key", "a.created_at DESC, a.id DESC", UTCDateTime()
            keyset = "(a.created_at, a.id) < (:after_key, :after_id)"
        sql, params, binds = self._select(query, filters, visibility, columns, match="rest",
                                          condition=keyset if after else "",
                                          order=order if self._sqlite or dense else "", limit=limit, known=known)
        if not self._sqlite and not dense:
            # The matches first (a materialized CTE has no order to walk an index for), then the newest of them.
            sql = sql.removesuffix(" LIMIT :limit")
            sql = f"WITH m AS MATERIALIZED ({sql}) SELECT * FROM m ORDER BY key DESC, id DESC LIMIT :limit"
        stmt = sa.text(sql).bindparams(*binds)
        if after is not None:
            params["after_key"] = _key(after[0], int if self._sqlite else datetime.fromisoformat)
            stmt = stmt.bindparams(sa.bindparam("after_key", type_=key_type))
            if not self._sqlite:  # a rowid is unique; a creation time needs the id beside it
                params["after_id"] = after[1]
                stmt = stmt.bindparams(sa.bindparam("after_id", type_=sa.Uuid()))
        rows = (await self.session.execute(stmt.columns(id=sa.Uuid(), key=key_type), params)).all()
        return [Hit(id=row.id, key=row.key, score=0.0, ref=row.key) for row in rows]

    async def snippets(self, query: Query, hits: Sequence[Hit]) -> dict[uuid.UUID, Snippet]:
        """The title and body passages of these hits' articles with the query's matches marked."""
        if not hits:
            return {}
        params: dict[str, Any] = {"start": MARK_START, "end": MARK_END}
        if self._sqlite:
            params["match"], params["ids"] = to_fts5(query), [hit.ref for hit in hits]
            by_rowid = {hit.ref: hit.id for hit in hits}
            if any(isinstance(t, Word) and t.prefix for t in [*query.terms(), *query.excluded]):
                # FTS5 runs the query once per rowid of an IN list, and a prefix's words are merged each time
                # (20 ms for `pro*`): one walk over the rowids' range merges them once; the list then only filters.
                where = "articles_fts.rowid BETWEEN :low AND :high AND +articles_fts.rowid IN :ids"
                params["low"], params["high"] = min(params["ids"]), max(params["ids"])
            else:
                where = "articles_fts.rowid IN :ids"  # FTS5 looks each one up: none of the other matches is read
            sql = ("SELECT articles_fts.rowid AS id, highlight(articles_fts, 0, :start, :end) AS title, "
                   f"snippet(articles_fts, 3, :start, :end, '…', {SNIPPET_WORDS}) AS body "
                   f"FROM articles_fts WHERE articles_fts MATCH :match AND {where}")
            stmt = sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))
            rows = (await self.session.execute(stmt, params)).all()
            return {by_rowid[row.id]: Snippet(title=row.title, body=row.body) for row in rows}
        params["ids"] = [hit.id for hit in hits]
        params["highlight"] = to_highlight_tsquery(query)
        params["words"] = " ".join(w for t in query.terms() for w in (t.words if isinstance(t, Phrase) else (t.text,)))
        params["options"] = (f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords={SNIPPET_WORDS}, "
                             "MinWords=8, FragmentDelimiter=\" … \"")
        params["before"], params["window"] = HEADLINE_BEFORE, HEADLINE_WINDOW
        # ts_headline parses all the text it is given (1.5 ms for an article of 8 kB, 30 ms a page): it is given
        # the part of the body from just before the first word that starts like a query word's stem (most stems
        # begin the words they come from), or the start of the body. Punctuation set apart by zero-width spaces:
        # the parser then sees pay-gw-01 or /var/log as the words the index holds (tandem_search_words split them),
        # not as one hyphenated word or file name.
        sql = ("SELECT a.id AS id, "
               "ts_headline('tandem_search', a.title, q, 'HighlightAll=true, StartSel=' || :start || "
               "', StopSel=' || :end) AS title, "
               "ts_headline('tandem_search', regexp_replace("
               "substr(a.body, greatest(1, coalesce(w.first, 1) - :before), :window), "
               "'([^[:alnum:][:space:]])', E'\\u200b\\\\1\\u200b', 'g'), q, :options) AS body "
               "FROM articles AS a, to_tsquery('tandem_search', :highlight) AS q, "
               "LATERAL (SELECT min(nullif(regexp_instr(a.body, '\\m' || s.lexeme, 1, 1, 0, 'i'), 0)) AS first "
               "FROM unnest(to_tsvector('tandem_search', :words)) AS s) AS w "
               "WHERE a.id IN :ids")
        stmt = (sa.text(sql).bindparams(sa.bindparam("ids", expanding=True, type_=sa.Uuid()))
                .columns(id=sa.Uuid()))
        rows = (await self.session.execute(stmt, params)).all()
        return {row.id: Snippet(title=row.title, body=row.body.replace("\u200b", "")) for row in rows}

    async def articles(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
        """The fields a result shows, by id (no body: the snippet stands for it)."""
        table = Article.__table__
        columns = [table.c[name] for name in RESULT_COLUMNS]
        rows = (await self.session.execute(sa.select(*columns).where(table.c.id.in_(list(ids))))).mappings().all()
        return {row["id"]: row for row in rows}
