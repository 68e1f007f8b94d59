"""Projects, and the platform tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
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
        "projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("sponsor", sa.String(200), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("go_live_date", sa.Date(), nullable=True),
        sa.Column("budget_amount", sa.Numeric(14, 2), nullable=True),
        sa.Column("budget_currency", sa.String(3), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.CheckConstraint("budget_amount >= 0", name="ck_projects_budget_amount_not_negative"),
        sa.CheckConstraint("budget_amount IS NULL OR budget_currency IS NOT NULL",
                           name="ck_projects_budget_has_currency"),
        sa.CheckConstraint("go_live_date IS NULL OR start_date IS NULL OR go_live_date >= start_date",
                           name="ck_projects_go_live_not_before_start"),
    )
    for column in ("name", "category", "stage", "sponsor", "created_at"):
        op.create_index(f"ix_projects_{column}", "projects", [column])


def downgrade() -> None:
    op.drop_table("projects")
    drop_platform_tables_v1(op)
