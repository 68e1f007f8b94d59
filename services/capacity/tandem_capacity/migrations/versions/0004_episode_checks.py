"""Episode checks: people whose episodes wait to be brought in line with their bookings.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_episode_checks",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_capacity_episode_checks_person_id_people",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", name="pk_capacity_episode_checks"),
    )
    op.create_index("ix_capacity_episode_checks_requested_at", "capacity_episode_checks", ["requested_at"])


def downgrade() -> None:
    op.drop_index("ix_capacity_episode_checks_requested_at", "capacity_episode_checks")
    op.drop_table("capacity_episode_checks")
