"""Article lifecycle, reviews, versions, links, feedback and review intervals.

`articles` gains its business services, contributors, the reviewers' comments, the published version and who published
it, and the helpful counts of the published version. New tables: `article_versions` (every published version and the
pending revision), `review_policies`, `article_reviews` and `review_votes`, `article_feedback`, `review_intervals`
and `review_due_notices`, the CMDB and projects projections (`cmdb_cis`, `cmdb_relationships`,
`cmdb_maintenance_windows`, `known_projects`, `project_facts`) and `event_drafts`. Articles published before this
revision (only a hand-edited database has them) get their text kept as version 1.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import uuid

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PENDING = "status IN ('draft', 'in_review')"
OPEN = "state = 'open'"


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}",
                                   ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("service_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("contributors", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("review_comments", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("published_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("published_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("published_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("helpful_count", sa.Integer(), nullable=False, server_default=sa.text("0")))
        batch.add_column(sa.Column("not_helpful_count", sa.Integer(), nullable=False, server_default=sa.text("0")))
        batch.create_index("ix_articles_review_due", ["review_due"])

    op.create_table(
        "article_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("ci_ids", sa.JSON(), nullable=False),
        sa.Column("service_ids", sa.JSON(), nullable=False),
        sa.Column("contributors", sa.JSON(), nullable=False),
        sa.Column("review_comments", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("published_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_article_versions"),
        _fk("article_versions", "article_id", "articles"),
        sa.UniqueConstraint("article_id", "number", name="uq_article_versions_article_id_number"),
        sa.CheckConstraint("status IN ('draft', 'in_review', 'published', 'superseded')",
                           name="ck_article_versions_status"),
    )
    op.create_index("ix_article_versions_article_id", "article_versions", ["article_id"])
    op.create_index("ix_article_versions_one_pending", "article_versions", ["article_id"], unique=True,
                    sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))

    op.create_table(
        "review_policies",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("quorum_kind", sa.String(20), nullable=False),
        sa.Column("quorum_value", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_review_policies"),
    )
    op.create_table(
        "article_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("policy", sa.String(20), nullable=False),
        sa.Column("open_group", sa.Boolean(), nullable=False),
        sa.Column("reviewers", sa.JSON(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("quorum_kind", sa.String(20), nullable=False),
        sa.Column("quorum_value", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_article_reviews"),
        _fk("article_reviews", "article_id", "articles"),
        sa.CheckConstraint("state IN ('open', 'approved', 'rejected', 'withdrawn')", name="ck_article_reviews_state"),
    )
    for column in ("article_id", "state", "submitted_at"):
        op.create_index(f"ix_article_reviews_{column}", "article_reviews", [column])
    op.create_index("ix_article_reviews_one_open", "article_reviews", ["article_id"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_table(
        "review_votes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("voter", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("cast_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_votes"),
        sa.ForeignKeyConstraint(["review_id"], ["article_reviews.id"], name="fk_review_votes_review_id_article_reviews",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("review_id", "voter", name="uq_review_votes_review_id_voter"),
        sa.CheckConstraint("decision IN ('approve', 'reject')", name="ck_review_votes_decision"),
    )
    op.create_index("ix_review_votes_review_id", "review_votes", ["review_id"])
    op.create_index("ix_review_votes_article_id", "review_votes", ["article_id"])

    op.create_table(
        "article_feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(200), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_article_feedback"),
        _fk("article_feedback", "article_id", "articles"),
        sa.UniqueConstraint("article_id", "version", "reader", name="uq_article_feedback_article_id_version_reader"),
    )
    op.create_index("ix_article_feedback_article_id", "article_feedback", ["article_id"])

    op.create_table(
        "review_intervals",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_review_intervals"),
    )
    op.create_table(
        "review_due_notices",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=False),
        sa.Column("notified_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "review_due", name="pk_review_due_notices"),
        _fk("review_due_notices", "article_id", "articles"),
    )

    op.create_table(
        "cmdb_cis",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("ci_class", sa.String(40), nullable=True),
        sa.Column("criticality", sa.Integer(), nullable=True),
        sa.Column("environment", sa.String(20), nullable=True),
        sa.Column("owner_team", sa.String(100), nullable=True),
        sa.Column("service_owner", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cmdb_cis"),
    )
    op.create_table(
        "cmdb_relationships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cmdb_relationships"),
    )
    op.create_index("ix_cmdb_relationships_source_id", "cmdb_relationships", ["source_id"])
    op.create_index("ix_cmdb_relationships_target_id", "cmdb_relationships", ["target_id"])
    op.create_table(
        "cmdb_maintenance_windows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ci_id", sa.Uuid(), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cmdb_maintenance_windows"),
    )
    op.create_index("ix_cmdb_maintenance_windows_ci_id", "cmdb_maintenance_windows", ["ci_id"])

    op.create_table(
        "known_projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("category", sa.String(20), nullable=True),
        sa.Column("stage", sa.String(20), nullable=True),
        sa.Column("sponsor", sa.String(200), nullable=True),
        sa.Column("project_manager", sa.String(200), nullable=True),
        sa.Column("service_owner", sa.String(200), nullable=True),
        sa.Column("support_team", sa.String(200), nullable=True),
        sa.Column("go_live_date", sa.Date(), nullable=True),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("cis", sa.JSON(), nullable=False),
        sa.Column("business_case", sa.JSON(), nullable=True),
        sa.Column("last_report", sa.JSON(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_known_projects"),
    )
    op.create_table(
        "project_facts",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref_id", sa.Uuid(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "kind", "ref_id", name="pk_project_facts"),
    )

    op.create_table(
        "event_drafts",
        sa.Column("trigger", sa.String(200), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("trigger", name="pk_event_drafts"),
        _fk("event_drafts", "article_id", "articles"),
    )
    op.create_index("ix_event_drafts_article_id", "event_drafts", ["article_id"])

    _keep_published_text_as_version_one()


def _keep_published_text_as_version_one() -> None:
    """Articles published (or retired) before versions existed: their text becomes version 1."""
    bind = op.get_bind()
    articles = sa.table("articles", sa.column("id", sa.Uuid()), sa.column("title"), sa.column("body"),
                        sa.column("kind"), sa.column("tags", sa.JSON()), sa.column("ci_ids", sa.JSON()),
                        sa.column("status"), sa.column("author"), sa.column("created_at", UTCDateTime()),
                        sa.column("updated_at", UTCDateTime()), sa.column("published_version", sa.Integer()),
                        sa.column("published_at", UTCDateTime()), sa.column("published_by"))
    types = {"id": sa.Uuid(), "article_id": sa.Uuid(), "number": sa.Integer(), **dict.fromkeys(
        ("tags", "ci_ids", "service_ids", "contributors"), sa.JSON()), **dict.fromkeys(
        ("created_at", "updated_at", "published_at"), UTCDateTime())}
    versions = sa.table("article_versions", *(sa.column(c, types.get(c, sa.String())) for c in (
        "id", "article_id", "number", "status", "title", "body", "kind", "tags", "ci_ids", "service_ids",
        "contributors", "created_by", "created_at", "updated_at", "published_at", "published_by")))
    rows = bind.execute(sa.select(articles).where(articles.c.status.in_(["published", "retired"]))).all()
    for row in rows:
        bind.execute(sa.insert(versions).values(
            id=uuid.uuid4(), article_id=row.id, number=1, status="published", title=row.title, body=row.body,
            kind=row.kind, tags=row.tags, ci_ids=row.ci_ids, service_ids=[], contributors=[row.author],
            created_by=row.author, created_at=row.created_at, updated_at=row.updated_at,
            published_at=row.updated_at, published_by=row.author))
        bind.execute(sa.update(articles).where(articles.c.id == row.id).values(
            published_version=1, published_at=row.updated_at, published_by=row.author))


def downgrade() -> None:
    for table in ("event_drafts", "project_facts", "known_projects", "cmdb_maintenance_windows",
                  "cmdb_relationships", "cmdb_cis", "review_due_notices", "review_intervals", "article_feedback",
                  "review_votes", "article_reviews", "review_policies", "article_versions"):
        op.drop_table(table)
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_review_due")
        for column in ("not_helpful_count", "helpful_count", "published_by", "published_at", "published_version",
                       "review_comments", "contributors", "service_ids"):
            batch.drop_column(column)
