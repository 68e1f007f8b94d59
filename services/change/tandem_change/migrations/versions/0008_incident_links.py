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
    # Moved bookings: an older creation or move replayed after a newer one must not take the row back.
    with op.batch_alter_table("known_bookings") as batch:
        batch.add_column(sa.Column("as_of", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("known_bookings") as batch:
        batch.drop_column("as_of")
