"""Full-text search index over articles.

SQLite: `articles_fts`, an external-content FTS5 table over `articles` (title, tags, kind, body; Porter stemming over
unicode61 words, diacritics kept as PostgreSQL keeps them), and `article_search_filters`, a narrow copy of the columns
searches filter on keyed by the article's rowid. `articles` rows carry the body before the status and the other
filter columns, so reading those columns for every match would walk each body's overflow pages; the narrow table
keeps a search over tens of thousands of matches in memory-sized pages. Triggers keep both in step with `articles`.

PostgreSQL: a `search_vector` tsvector column (title weight A, tags B, body C, kind D) and `search_head`, the same
without the body, kept by a trigger, each with a GIN index. Ranking a match reads its vector, and a body's vector is
stored out of line (TOAST): `search_head` stays in the row, so a search matching thousands of articles ranks them by
their title, tags and kind without reading every body's vector. The `tandem_search` text search configuration stems
with Snowball's Porter stemmer and no stop words, and `tandem_search_words` turns every run of characters other than
letters and digits into a space first: so words are split and stemmed as FTS5's `porter unicode61` splits and stems
them, and a query matches the same articles on both.

None of these objects is in the ORM model (search queries them with Core); a later migration that rebuilds
`articles` on SQLite (a batch ALTER) drops its triggers and may renumber its rowids: it must re-run `_sqlite_up`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Columns copied into the SQLite filter table when `articles` has them (service_ids may come with the lifecycle).
FILTER_COLUMNS = ("id", "kind", "status", "author", "owner", "project_id", "change_id", "tags", "ci_ids",
                  "service_ids", "updated_at")
FTS_COLUMNS = ("title", "tags", "kind", "body")


def _columns() -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns("articles")}


def _sqlite_fts_values(row: str) -> str:
    """The indexed values of a row (`new` or `old`): tags flattened from their JSON list to words."""
    tags = f"(SELECT group_concat(value, ' ') FROM json_each({row}.tags))"
    return ", ".join(tags if c == "tags" else f"{row}.{c}" for c in FTS_COLUMNS)


def _sqlite_up() -> None:
    filters = [c for c in FILTER_COLUMNS if c in _columns()]
    op.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, tags, kind, body, content='articles', "
        "content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 0')")
    op.execute(f"CREATE TABLE article_search_filters (article_rowid INTEGER PRIMARY KEY, {', '.join(filters)})")
    columns = ", ".join(FTS_COLUMNS)
    filter_columns = ", ".join(filters)
    op.execute(f"""
        CREATE TRIGGER articles_search_ai AFTER INSERT ON articles BEGIN
          INSERT INTO articles_fts (rowid, {columns}) VALUES (new.rowid, {_sqlite_fts_values('new')});
          INSERT INTO article_search_filters (article_rowid, {filter_columns})
            VALUES (new.rowid, {', '.join(f'new.{c}' for c in filters)});
        END""")
    op.execute(f"""
        CREATE TRIGGER articles_search_ad AFTER DELETE ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, {columns}) VALUES ('delete', old.rowid,
            {_sqlite_fts_values('old')});
          DELETE FROM article_search_filters WHERE article_rowid = old.rowid;
        END""")
    # Only an edit of an indexed column re-indexes: a status change or a refresh flag does not touch the FTS index.
    op.execute(f"""
        CREATE TRIGGER articles_search_au AFTER UPDATE OF {columns} ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, {columns}) VALUES ('delete', old.rowid,
            {_sqlite_fts_values('old')});
          INSERT INTO articles_fts (rowid, {columns}) VALUES (new.rowid, {_sqlite_fts_values('new')});
        END""")
    op.execute(f"""
        CREATE TRIGGER articles_search_filters_au AFTER UPDATE ON articles BEGIN
          UPDATE article_search_filters SET {', '.join(f'{c} = new.{c}' for c in filters)}
            WHERE article_rowid = new.rowid;
        END""")
    op.execute(f"INSERT INTO articles_fts (rowid, {columns}) SELECT rowid, {_sqlite_fts_values('articles')} "
               "FROM articles")
    op.execute(f"INSERT INTO article_search_filters (article_rowid, {filter_columns}) "
               f"SELECT rowid, {filter_columns} FROM articles")
    op.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")


def _sqlite_down() -> None:
    for trigger in ("articles_search_ai", "articles_search_ad", "articles_search_au", "articles_search_filters_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS article_search_filters")
    op.execute("DROP TABLE IF EXISTS articles_fts")


def _postgresql_up() -> None:
    op.execute("CREATE TEXT SEARCH DICTIONARY tandem_porter (TEMPLATE = snowball, LANGUAGE = porter)")
    op.execute("CREATE TEXT SEARCH CONFIGURATION tandem_search (PARSER = default)")
    # Every kind of token the parser reports (after tandem_search_words only words and numbers remain) is stemmed,
    # as FTS5's porter tokenizer stems every token.
    op.execute("""
        ALTER TEXT SEARCH CONFIGURATION tandem_search ADD MAPPING FOR asciiword, word, numword, asciihword, hword,
          numhword, hword_asciipart, hword_part, hword_numpart, email, protocol, url, host, url_path, file, sfloat,
          float, int, uint, version, tag, entity WITH tandem_porter""")
    op.execute("""
        CREATE FUNCTION tandem_search_words(value text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT regexp_replace(coalesce(value, ''), '[^[:alnum:]]+', ' ', 'g') $$""")
    # Title A, tags B, kind D: the head of every article, small enough to stay in the row (no TOAST to read).
    op.execute("""
        CREATE FUNCTION articles_search_head(title text, tags json, kind text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT
            setweight(to_tsvector('tandem_search', tandem_search_words(title)), 'A')
         || setweight(to_tsvector('tandem_search', tandem_search_words(
              (SELECT string_agg(value, ' ') FROM json_array_elements_text(tags)))), 'B')
         || setweight(to_tsvector('tandem_search', tandem_search_words(kind)), 'D') $$""")
    # The body (C) last: tsvector positions stop at 16,383, so a long body must not push the head past the end.
    op.execute("""
        CREATE FUNCTION articles_search_document(title text, tags json, kind text, body text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT articles_search_head(title, tags, kind)
         || setweight(to_tsvector('tandem_search', tandem_search_words(body)), 'C') $$""")
    op.execute("""
        CREATE FUNCTION articles_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.search_head := articles_search_head(NEW.title, NEW.tags::json, NEW.kind);
          NEW.search_vector := NEW.search_head
            || setweight(to_tsvector('tandem_search', tandem_search_words(NEW.body)), 'C');
          RETURN NEW;
        END $$""")
    op.add_column("articles", sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True))
    op.add_column("articles", sa.Column("search_head", postgresql.TSVECTOR(), nullable=True))
    op.execute("UPDATE articles SET search_vector = articles_search_document(title, tags::json, kind, body), "
               "search_head = articles_search_head(title, tags::json, kind)")
    op.execute("""
        CREATE TRIGGER articles_search_vector BEFORE INSERT OR UPDATE OF title, tags, kind, body ON articles
        FOR EACH ROW EXECUTE FUNCTION articles_search_vector()""")
    # Articles change one at a time: without a pending list, no search has to scan one.
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector) "
               "WITH (fastupdate = off)")
    op.execute("CREATE INDEX ix_articles_search_head ON articles USING gin (search_head) WITH (fastupdate = off)")


def _postgresql_down() -> None:
    op.execute("DROP TRIGGER IF EXISTS articles_search_vector ON articles")
    op.execute("DROP INDEX IF EXISTS ix_articles_search_head")
    op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
    op.drop_column("articles", "search_head")
    op.drop_column("articles", "search_vector")
    op.execute("DROP FUNCTION IF EXISTS articles_search_vector()")
    op.execute("DROP FUNCTION IF EXISTS articles_search_document(text, json, text, text)")
    op.execute("DROP FUNCTION IF EXISTS articles_search_head(text, json, text)")
    op.execute("DROP FUNCTION IF EXISTS tandem_search_words(text)")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS tandem_search")
    op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS tandem_porter")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_up()
    else:
        _postgresql_up()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_down()
    else:
        _postgresql_down()
