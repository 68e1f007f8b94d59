"""KPI values and the platform tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime
from tandem_shared.tables import create_platform_tables_v1, drop_platform_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables_v1(op)
    op.create_table(
        "kpi_values",
        sa.Column("kpi", sa.String(100), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("dimension", sa.String(200), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kpi", "period", "dimension", name="pk_kpi_values"),
    )


def downgrade() -> None:
    op.drop_table("kpi_values")
    drop_platform_tables_v1(op)
