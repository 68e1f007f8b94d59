"""Changes, the people projection, and the platform tables.

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
        "changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("effort_hours", sa.Float(), nullable=False),
        sa.Column("planned_start", UTCDateTime(), nullable=False),
        sa.Column("planned_end", UTCDateTime(), nullable=False),
        sa.Column("affected_cis", sa.JSON(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_changes"),
    )
    for column in ("type", "state", "requested_by", "assignee_id", "planned_start", "created_at"):
        op.create_index(f"ix_changes_{column}", "changes", [column])
    op.create_table(
        "known_people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_known_people"),
    )


def downgrade() -> None:
    op.drop_table("known_people")
    op.drop_table("changes")
    drop_platform_tables_v1(op)
