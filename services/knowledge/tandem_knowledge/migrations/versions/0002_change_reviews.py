"""Articles link configuration items and carry a refresh flag (reviews and refreshes written by change events).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("ci_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("needs_refresh", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("refresh_reason", sa.String(500), nullable=True))
        batch.create_index("ix_articles_needs_refresh", ["needs_refresh"])


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_needs_refresh")
        batch.drop_column("refresh_reason")
        batch.drop_column("needs_refresh")
        batch.drop_column("ci_ids")
