"""A change's booking status from capacity (booked, released, rejected and why) and the alerts a rejection raises.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("booking_status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("booking_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("booking_updated_at", UTCDateTime(), nullable=True))
    op.create_table(
        "change_alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=True),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_alerts"),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name="fk_change_alerts_change_id_changes",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_change_alerts_change_id", "change_alerts", ["change_id"])
    op.create_index("ix_change_alerts_recipient", "change_alerts", ["recipient"])
    op.create_index("ix_change_alerts_created_at", "change_alerts", ["created_at"])


def downgrade() -> None:
    op.drop_table("change_alerts")
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("booking_updated_at")
        batch.drop_column("booking_reason")
        batch.drop_column("booking_status")
