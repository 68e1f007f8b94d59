"""KPI catalogue, targets, thresholds, dimensions and breaches.

Targets and thresholds per KPI and dimension, the last status of each KPI series (for threshold crossings), an
index for reading one dimension's series, and the projections the dimensions come from (projects and their
categories, business cases and budget reports; people and their teams, bookings, over-allocation episodes).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_kpi_values_series", "kpi_values", ["kpi", "dimension", "period"])
    op.create_table(
        "kpi_targets",
        sa.Column("kpi", sa.String(100), nullable=False),
        sa.Column("dimension", sa.String(200), nullable=False),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("green", sa.Float(), nullable=True),
        sa.Column("amber", sa.Float(), nullable=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kpi", "dimension", name="pk_kpi_targets"),
    )
    op.create_table(
        "kpi_statuses",
        sa.Column("kpi", sa.String(100), nullable=False),
        sa.Column("dimension", sa.String(200), nullable=False),
        sa.Column("granularity", sa.String(10), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kpi", "dimension", "granularity", name="pk_kpi_statuses"),
    )
    op.create_table(
        "metrics_projects",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("category", sa.String(200), nullable=True),
        sa.Column("case_costs", sa.Float(), nullable=True),
        sa.Column("case_benefits", sa.Float(), nullable=True),
        sa.Column("case_monthly_benefits", sa.JSON(), nullable=True),
        sa.Column("report_week", sa.String(10), nullable=True),
        sa.Column("report_planned", sa.Float(), nullable=True),
        sa.Column("report_actual", sa.Float(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name="pk_metrics_projects"),
    )
    op.create_table(
        "metrics_people",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("weekly_hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_metrics_people"),
    )
    op.create_table(
        "metrics_bookings",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("booking_id", name="pk_metrics_bookings"),
    )
    op.create_table(
        "metrics_episodes",
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("first_week", sa.String(10), nullable=False),
        sa.Column("last_week", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("episode_id", name="pk_metrics_episodes"),
    )


def downgrade() -> None:
    for table in ("metrics_episodes", "metrics_bookings", "metrics_people", "metrics_projects", "kpi_statuses",
                  "kpi_targets"):
        op.drop_table(table)
    op.drop_index("ix_kpi_values_series", table_name="kpi_values")
