"""Capacity-aware portfolio selection: `capacity_outlook`, the latest capacity snapshot
(`capacity.snapshot.published.v1`), and `selections`, the runs with their inputs and results.

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
    op.create_table(
        "capacity_outlook",
        sa.Column("pool", sa.String(100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("generated_at", UTCDateTime(), nullable=False),
        sa.Column("first_week", sa.String(8), nullable=False),
        sa.Column("week_count", sa.Integer(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pool", name="pk_capacity_outlook"),
    )
    op.create_table(
        "selections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("value_kind", sa.String(10), nullable=False),
        sa.Column("candidate_count", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("frontier", sa.JSON(), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("selected_count", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("committed_by", sa.String(200), nullable=True),
        sa.Column("committed_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_selections"),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'infeasible')",
                           name="ck_selections_status"),
    )
    op.create_index("ix_selections_status", "selections", ["status"])
    op.create_index("ix_selections_created_by", "selections", ["created_by"])
    op.create_index("ix_selections_created", "selections", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("selections")
    op.drop_table("capacity_outlook")
