"""Project demand lines and project decisions (deferral, termination).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_demands",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(100), nullable=False),
        sa.Column("skill", sa.String(100), nullable=True),
        sa.Column("min_proficiency", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("hours_per_week", sa.Float(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_project_demands"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_project_demands_project_id_projects",
                                ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="ck_project_demands_kind"),
        sa.CheckConstraint('"end" >= start', name="ck_project_demands_window"),
        sa.CheckConstraint("hours_per_week > 0", name="ck_project_demands_hours"),
        sa.CheckConstraint("min_proficiency BETWEEN 1 AND 5", name="ck_project_demands_proficiency"),
    )
    op.create_index("ix_project_demands_project_id", "project_demands", ["project_id"])
    op.create_table(
        "project_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_stage", sa.String(20), nullable=False),
        sa.Column("to_stage", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_project_decisions"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_project_decisions_project_id_projects",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_project_decisions_project_id", "project_decisions", ["project_id"])


def downgrade() -> None:
    op.drop_table("project_decisions")
    op.drop_table("project_demands")
