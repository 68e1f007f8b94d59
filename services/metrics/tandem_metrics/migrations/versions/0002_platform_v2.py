"""Platform tables v2: parked outbox rows, the index of retrying rows, and the relay lease.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from alembic import op
from tandem_shared.tables import downgrade_platform_tables_v2, upgrade_platform_tables_v2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_platform_tables_v2(op)


def downgrade() -> None:
    downgrade_platform_tables_v2(op)
