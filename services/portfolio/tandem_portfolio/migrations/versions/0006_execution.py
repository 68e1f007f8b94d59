"""Milestones, RAG status, risks, scope changes and status reports.

Execution tables: milestones, risks, scope_changes, actual_costs, actual_labour_cost (the labour cost seam, empty
until capacity's bookings × cost rate feed it), status_overrides, status_reports, and the capacity projection the
resources dimension reads (capacity_people, capacity_project_bookings, capacity_overallocations).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLOURS = "('green', 'amber', 'red')"
MONTHS = "BETWEEN 22800 AND 26399"  # 1900-01 … 2199-12 as year × 12 + month − 1


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=f"fk_{table}_project_id_projects",
                                   ondelete="CASCADE")


def _stamps() -> list[sa.Column]:
    return [sa.Column("version", sa.Integer(), nullable=False), sa.Column("created_at", UTCDateTime(), nullable=False),
            sa.Column("updated_at", UTCDateTime(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("baseline_date", sa.Date(), nullable=True),
        sa.Column("forecast_date", sa.Date(), nullable=False),
        sa.Column("actual_date", sa.Date(), nullable=True),
        sa.Column("window_start", UTCDateTime(), nullable=True),
        sa.Column("window_end", UTCDateTime(), nullable=True),
        sa.Column("service_ids", sa.JSON(), nullable=False),
        sa.Column("ci_ids", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_milestones"),
        _project_fk("milestones"),
        sa.CheckConstraint("kind IN ('milestone', 'go_live')", name="ck_milestones_kind"),
        sa.CheckConstraint("status IN ('planned', 'completed')", name="ck_milestones_status"),
        sa.CheckConstraint("(status = 'completed') = (actual_date IS NOT NULL)",
                           name="ck_milestones_actual_iff_completed"),
        sa.CheckConstraint("kind = 'go_live' OR (window_start IS NULL AND window_end IS NULL)",
                           name="ck_milestones_window_only_for_go_live"),
        sa.CheckConstraint("(window_start IS NULL) = (window_end IS NULL)", name="ck_milestones_window_both_or_none"),
        sa.CheckConstraint("window_end IS NULL OR window_end > window_start", name="ck_milestones_window_order"),
    )
    op.create_index("ix_milestones_project_id_forecast_date", "milestones", ["project_id", "forecast_date"])

    op.create_table(
        "risks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("mitigation", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_explanation", sa.Text(), nullable=True),
        sa.Column("source_key", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_risks"),
        _project_fk("risks"),
        sa.CheckConstraint("kind IN ('risk', 'issue')", name="ck_risks_kind"),
        sa.CheckConstraint("status IN ('open', 'mitigating', 'closed', 'occurred')", name="ck_risks_status"),
        sa.CheckConstraint("source IN ('manual', 'automatic')", name="ck_risks_source"),
        sa.CheckConstraint("probability BETWEEN 1 AND 5", name="ck_risks_probability"),
        sa.CheckConstraint("impact BETWEEN 1 AND 5", name="ck_risks_impact"),
        sa.CheckConstraint("score = probability * impact", name="ck_risks_score"),
        sa.CheckConstraint("source = 'manual' OR source_explanation IS NOT NULL", name="ck_risks_automatic_explained"),
    )
    op.create_index("ix_risks_project_id_score", "risks", ["project_id", "score"])
    op.create_index("uq_risks_project_id_source_key", "risks", ["project_id", "source_key"], unique=True)

    op.create_table(
        "scope_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("schedule_impact_days", sa.Integer(), nullable=False),
        sa.Column("cost_impact", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_scope_changes"),
        _project_fk("scope_changes"),
        sa.CheckConstraint("status IN ('proposed', 'approved', 'rejected')", name="ck_scope_changes_status"),
        sa.CheckConstraint("cost_impact = 0 OR currency IS NOT NULL", name="ck_scope_changes_cost_has_currency"),
        sa.CheckConstraint("(status = 'proposed') = (decided_by IS NULL)",
                           name="ck_scope_changes_decided_iff_not_proposed"),
    )
    op.create_index("ix_scope_changes_project_id_status", "scope_changes", ["project_id", "status"])

    op.create_table(
        "actual_costs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(200), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_actual_costs"),
        _project_fk("actual_costs"),
        sa.CheckConstraint("amount <> 0", name="ck_actual_costs_amount_not_zero"),
        sa.CheckConstraint(f"month {MONTHS}", name="ck_actual_costs_month"),
    )
    op.create_index("ix_actual_costs_project_id_month", "actual_costs", ["project_id", "month"])

    op.create_table(
        "actual_labour_cost",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "month", name="pk_actual_labour_cost"),
        _project_fk("actual_labour_cost"),
        sa.CheckConstraint(f"month {MONTHS}", name="ck_actual_labour_cost_month"),
    )

    op.create_table(
        "status_overrides",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("dimension", sa.String(20), nullable=False),
        sa.Column("colour", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "dimension", name="pk_status_overrides"),
        _project_fk("status_overrides"),
        sa.CheckConstraint("dimension IN ('schedule', 'budget', 'scope', 'resources')",
                           name="ck_status_overrides_dimension"),
        sa.CheckConstraint(f"colour IN {COLOURS}", name="ck_status_overrides_colour"),
        sa.CheckConstraint("expires_at > set_at", name="ck_status_overrides_expires_after_set"),
    )

    op.create_table(
        "status_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        *(sa.Column(name, sa.String(10), nullable=False)
          for name in ("overall", "schedule", "budget", "scope", "resources")),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_status_reports"),
        _project_fk("status_reports"),
        sa.UniqueConstraint("project_id", "week", name="uq_status_reports_project_id_week"),
        *(sa.CheckConstraint(f"{name} IN {COLOURS}", name=f"ck_status_reports_{name}")
          for name in ("overall", "schedule", "budget", "scope", "resources")),
    )
    op.create_index("ix_status_reports_project_id_reported_at", "status_reports", ["project_id", "reported_at"])

    op.create_table(
        "capacity_people",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("person_id", name="pk_capacity_people"),
    )
    op.create_table(
        "capacity_project_bookings",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("first_week", sa.String(8), nullable=False),
        sa.Column("last_week", sa.String(8), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name="pk_capacity_project_bookings"),
    )
    op.create_index("ix_capacity_project_bookings_project_id_person_id", "capacity_project_bookings",
                    ["project_id", "person_id"])
    op.create_table(
        "capacity_overallocations",
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("first_week", sa.String(8), nullable=False),
        sa.Column("last_week", sa.String(8), nullable=False),
        sa.Column("peak_utilisation", sa.Float(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("episode_id", name="pk_capacity_overallocations"),
    )
    op.create_index("ix_capacity_overallocations_person_id_open", "capacity_overallocations", ["person_id", "open"])


def downgrade() -> None:
    for table in ("capacity_overallocations", "capacity_project_bookings", "capacity_people", "status_reports",
                  "status_overrides", "actual_labour_cost", "actual_costs", "scope_changes", "risks", "milestones"):
        op.drop_table(table)
