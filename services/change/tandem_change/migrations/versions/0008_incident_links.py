"""Incidents linked to changes (from metrics) for team success scores; the time each known booking reflects.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_links",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("source_system", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("as_of", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name="pk_incident_links"),
    )
    op.create_index("ix_incident_links_change_id", "incident_links", ["change_id"])
    # What each implemented change put in its team's score; changes implemented before get theirs when first
    # re-scored (from the typed-in incidents they were scored with).
    op.create_table(
        "change_score_entries",
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("outcome_points", sa.Integer(), nullable=False),
        sa.Column("incident_points", sa.Integer(), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name="pk_change_score_entries"),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name="fk_change_score_entries_change_id_changes",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_change_score_entries_team", "change_score_entries", ["team"])
    # Moved bookings: an older creation or move replayed after a newer one must not take the row back.
    with op.batch_alter_table("known_bookings") as batch:
        batch.add_column(sa.Column("as_of", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("known_bookings") as batch:
        batch.drop_column("as_of")
    op.drop_table("change_score_entries")
    op.drop_table("incident_links")
