"""Demand: booking skill, role and source line; role requests; operations run work and rotations; snapshot state.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column]:
    return [
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("skill", sa.String(100), nullable=True))
        batch.add_column(sa.Column("role", sa.String(100), nullable=True))
        batch.add_column(sa.Column("source_line", sa.String(100), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_index("ix_bookings_skill", "bookings", ["skill"])
    # Source id first: a batch's lookup of many source ids descends the index for each, whatever the planner's
    # statistics say (with source first, PostgreSQL on a fresh table scanned every booking of the source).
    op.drop_index("ix_bookings_source_source_id", "bookings")
    op.create_index("ix_bookings_source_id_source", "bookings", ["source_id", "source"])
    op.create_table(
        "role_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("project_name", sa.String(200), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(100), nullable=False),
        sa.Column("skill", sa.String(100), nullable=True),
        sa.Column("min_proficiency", sa.Integer(), nullable=False),
        sa.Column("hours_per_week", sa.Float(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_role_requests"),
        sa.UniqueConstraint("project_id", "line_id", name="uq_role_requests_project_id"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_role_requests_person_id_people"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name="fk_role_requests_booking_id_bookings"),
        sa.CheckConstraint("status IN ('open', 'filled', 'canceled')", name="ck_role_requests_status"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="ck_role_requests_kind"),
        sa.CheckConstraint('"end" >= start', name="ck_role_requests_window"),
    )
    op.create_index("ix_role_requests_status", "role_requests", ["status"])
    op.create_index("ix_role_requests_skill", "role_requests", ["skill"])
    op.create_table(
        "run_work",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("hours_per_week", sa.Float(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_run_work"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_run_work_person_id_people"),
        sa.CheckConstraint("(team IS NULL) <> (person_id IS NULL)", name="ck_run_work_team_or_person"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="ck_run_work_kind"),
        sa.CheckConstraint('"end" >= start', name="ck_run_work_window"),
    )
    op.create_table(
        "rotations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("rotation_weeks", sa.Integer(), nullable=False),
        sa.Column("hours_per_week", sa.Float(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_rotations"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="ck_rotations_kind"),
        sa.CheckConstraint('"end" >= start', name="ck_rotations_window"),
    )
    state = op.create_table(
        "snapshot_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_snapshot_state"),
    )
    # The one row every booking transaction marks dirty; the first snapshot follows the first booking.
    op.bulk_insert(state, [{"id": 1, "dirty": False, "sequence": 0, "last_hash": None, "published_at": None}])


def downgrade() -> None:
    op.drop_table("snapshot_state")
    op.drop_table("rotations")
    op.drop_table("run_work")
    op.drop_table("role_requests")
    op.drop_index("ix_bookings_source_id_source", "bookings")
    op.create_index("ix_bookings_source_source_id", "bookings", ["source", "source_id"])
    op.drop_index("ix_bookings_skill", "bookings")
    with op.batch_alter_table("bookings") as batch:
        for column in ("version", "source_line", "role", "skill"):
            batch.drop_column(column)
