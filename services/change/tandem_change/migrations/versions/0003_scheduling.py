"""Scheduling: capacity's bookings projection, change conflicts, and indexes for window queries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_bookings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_known_bookings"),
    )
    op.create_index("ix_known_bookings_person_id", "known_bookings", ["person_id"])
    op.create_index("ix_known_bookings_person_id_start", "known_bookings", ["person_id", "start"])
    op.create_table(
        "change_conflicts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ci_id", sa.Uuid(), nullable=True),
        sa.Column("other_change_id", sa.Uuid(), nullable=True),
        sa.Column("blackout_id", sa.Uuid(), nullable=True),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_conflicts"),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name="fk_change_conflicts_change_id_changes",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_change_conflicts_change_id", "change_conflicts", ["change_id"])
    # The calendar asks "which changes end after `from`": planned_start alone leaves that a range scan of the past.
    op.create_index("ix_changes_planned_end", "changes", ["planned_end"])


def downgrade() -> None:
    op.drop_index("ix_changes_planned_end", table_name="changes")
    op.drop_table("change_conflicts")
    op.drop_table("known_bookings")
