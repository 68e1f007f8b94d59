"""PostgreSQL: the adjacent lexeme pairs of every article, so a phrase of common words finds few candidates.

A phrase query (`'a' <-> 'b'`) is answered by GIN from the articles holding every lexeme of the phrase, then checked
against each candidate's positions, in its vector read from TOAST (about 15 µs each): a phrase of words that are in
half the articles checks tens of thousands (docs/benchmarks.md). `search_pairs` holds one lexeme `left right` for
every two lexemes at adjacent positions (distance 1) of `search_vector`, without positions, with a GIN index: a
phrase's pairs must all be there, which few articles satisfy, and the positional check runs on those only.

`tandem_search_pairs` derives the pairs from the vector the trigger already builds, so the pairs of a phrase (the same
function over the phrase's own vector) are in an article's pairs wherever the phrase matches its vector. Pairs across
fields (the title's last word and the first tag) are kept: they only add candidates. A pair longer than a lexeme may
be (2,047 bytes) is left out; a query's pairs are never that long (queries stop at 500 characters). An article whose
pairs would pass `PAIRS_LIMIT` bytes (a tsvector holds at most 1 MB) gets the single lexeme `*` instead, which
every pairs query also accepts. SQLite's FTS5 keeps positions in its index and needs none of this.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PAIRS_LIMIT = 900_000
OVERFLOW = "*"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # Every position of every lexeme, joined to the lexemes one position further: several lexemes share a position
    # when a long text's positions reach the vector's last one (16,383), so this is a join, not a window's lead().
    # array_to_tsvector drops repeated pairs; the size is counted with them (so it may overflow a little early).
    op.execute(f"""
        CREATE FUNCTION tandem_search_pairs(vector tsvector) RETURNS tsvector
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$
          WITH at AS (SELECT u.lexeme, p.pos FROM unnest(vector) AS u, unnest(u.positions) AS p(pos)),
               pairs AS (SELECT l.lexeme || ' ' || r.lexeme AS pair FROM at AS l JOIN at AS r
                         ON r.pos = l.pos + 1 WHERE octet_length(l.lexeme) + octet_length(r.lexeme) < 2047)
          SELECT CASE WHEN coalesce(sum(octet_length(pair)), 0) > {PAIRS_LIMIT} THEN '{OVERFLOW}'::tsvector
                      ELSE array_to_tsvector(coalesce(array_agg(pair), '{{}}')) END
          FROM pairs $$""")
    op.add_column("articles", sa.Column("search_pairs", postgresql.TSVECTOR(), nullable=True))
    op.execute("""
        CREATE OR REPLACE FUNCTION articles_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.search_head := articles_search_head(NEW.title, NEW.tags::json, NEW.kind);
          NEW.search_vector := NEW.search_head
            || setweight(to_tsvector('tandem_search', tandem_search_words(NEW.body)), 'C');
          NEW.search_pairs := tandem_search_pairs(NEW.search_vector);
          RETURN NEW;
        END $$""")
    op.execute("UPDATE articles SET search_pairs = tandem_search_pairs(search_vector)")
    op.execute("CREATE INDEX ix_articles_search_pairs ON articles USING gin (search_pairs) WITH (fastupdate = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION articles_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.search_head := articles_search_head(NEW.title, NEW.tags::json, NEW.kind);
          NEW.search_vector := NEW.search_head
            || setweight(to_tsvector('tandem_search', tandem_search_words(NEW.body)), 'C');
          RETURN NEW;
        END $$""")
    op.execute("DROP INDEX IF EXISTS ix_articles_search_pairs")
    op.drop_column("articles", "search_pairs")
    op.execute("DROP FUNCTION IF EXISTS tandem_search_pairs(tsvector)")
