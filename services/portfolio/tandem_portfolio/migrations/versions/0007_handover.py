"""Operational readiness facts, labour cost, team scores and handover acceptance.

- `projects.delivery_team`: the team delivering the project, as capacity and change name it (team success score).
- Labour cost (fills `actual_labour_cost`): `capacity_cost_rates` (each person's rate) and `labour_booking_weeks`
  (hours per ISO week of every live project booking).
- Readiness facts from other services' events: `cmdb_items` (change's CIs and business services),
  `knowledge_articles` and `knowledge_article_links` (published articles and what they document),
  `operations_bookings` (capacity's run work and on-call bookings), `project_changes` (changes linked to projects).
- `handover_acceptances`: the service owner's acceptance and the transition time it measured.
- `team_success_scores`: change's success score per team (delivery risk).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("delivery_team", sa.String(100), nullable=True))
    op.create_index("ix_projects_delivery_team", "projects", ["delivery_team"])

    op.create_table(
        "capacity_cost_rates",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("rate", sa.Numeric(12, 2), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_capacity_cost_rates"),
        sa.CheckConstraint("(rate IS NULL) = (currency IS NULL)", name="ck_capacity_cost_rates_rate_has_currency"),
    )
    op.create_table(
        "labour_booking_weeks",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", "week", name="pk_labour_booking_weeks"),
    )
    op.create_index("ix_labour_booking_weeks_project_id", "labour_booking_weeks", ["project_id"])
    op.create_index("ix_labour_booking_weeks_person_id", "labour_booking_weeks", ["person_id"])

    op.create_table(
        "cmdb_items",
        sa.Column("ci_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("ci_class", sa.String(50), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("ci_id", name="pk_cmdb_items"),
    )
    op.create_table(
        "knowledge_articles",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("article_id", name="pk_knowledge_articles"),
    )
    op.create_index("ix_knowledge_articles_project_id", "knowledge_articles", ["project_id"])
    op.create_table(
        "knowledge_article_links",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "kind", "ref", name="pk_knowledge_article_links"),
        sa.ForeignKeyConstraint(["article_id"], ["knowledge_articles.article_id"],
                                name="fk_knowledge_article_links_article_id_knowledge_articles", ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('ci', 'service')", name="ck_knowledge_article_links_kind"),
    )
    op.create_index("ix_knowledge_article_links_ref", "knowledge_article_links", ["ref"])
    op.create_table(
        "operations_bookings",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("booked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name="pk_operations_bookings"),
    )
    op.create_index("ix_operations_bookings_person_id", "operations_bookings", ["person_id"])
    op.create_table(
        "project_changes",
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("implemented_at", UTCDateTime(), nullable=True),
        sa.Column("canceled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("change_id", name="pk_project_changes"),
        sa.CheckConstraint("state IN ('approved', 'implemented', 'canceled')", name="ck_project_changes_state"),
    )
    op.create_index("ix_project_changes_project_id", "project_changes", ["project_id"])

    op.create_table(
        "handover_acceptances",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("accepted_by", sa.String(200), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=False),
        sa.Column("go_live_change_id", sa.Uuid(), nullable=True),
        sa.Column("implemented_at", UTCDateTime(), nullable=True),
        sa.Column("transition_hours", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("project_id", name="pk_handover_acceptances"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_handover_acceptances_project_id_projects",
                                ondelete="CASCADE"),
    )
    op.create_table(
        "team_success_scores",
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("previous_score", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team", name="pk_team_success_scores"),
    )


def downgrade() -> None:
    for table in ("team_success_scores", "handover_acceptances", "project_changes", "operations_bookings",
                  "knowledge_article_links", "knowledge_articles", "cmdb_items", "labour_booking_weeks",
                  "capacity_cost_rates"):
        op.drop_table(table)
    op.drop_index("ix_projects_delivery_team", "projects")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("delivery_team")
