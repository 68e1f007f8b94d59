"""Implementation-caused disruption: `caused_incidents`, the incidents metrics links to a project's go-live
(`metrics.incident.linked.v1` / `unlinked.v1`), one row per incident.

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
        "caused_incidents",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("priority", sa.String(2), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name="pk_caused_incidents"),
        sa.CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4')", name="ck_caused_incidents_priority"),
    )
    op.create_index("ix_caused_incidents_change_id", "caused_incidents", ["change_id"])
    op.create_index("ix_caused_incidents_project_id", "caused_incidents", ["project_id"])


def downgrade() -> None:
    op.drop_table("caused_incidents")
