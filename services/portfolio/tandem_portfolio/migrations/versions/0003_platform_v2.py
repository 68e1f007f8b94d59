"""Platform tables v2: parked outbox rows, the index of retrying rows, and the relay lease.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from alembic import op
from tandem_shared.tables import downgrade_platform_tables_v2, upgrade_platform_tables_v2

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_platform_tables_v2(op)


def downgrade() -> None:
    downgrade_platform_tables_v2(op)
