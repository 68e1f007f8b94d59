"""Project go-live windows (from portfolio) for go-live conflicts.

`project_go_lives` keeps portfolio's go-live milestones (window, forecast, status) and `project_go_live_targets` the
business services and CIs each touches; `change_conflicts.project_id` names the project of a `project_go_live`
conflict.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_go_lives",
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("window_end", UTCDateTime(), nullable=False),
        sa.Column("forecast_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("as_of", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("milestone_id", name="pk_project_go_lives"),
        sa.CheckConstraint("status IN ('scheduled', 'completed', 'canceled')", name="ck_project_go_lives_status"),
    )
    op.create_index("ix_project_go_lives_project_id", "project_go_lives", ["project_id"])
    op.create_index("ix_project_go_lives_window_start", "project_go_lives", ["window_start"])
    op.create_table(
        "project_go_live_targets",
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("milestone_id", "target_id", "kind", name="pk_project_go_live_targets"),
        sa.ForeignKeyConstraint(["milestone_id"], ["project_go_lives.milestone_id"],
                                name="fk_project_go_live_targets_milestone_id_project_go_lives", ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('service', 'ci')", name="ck_project_go_live_targets_kind"),
    )
    # The conflict check looks go-lives up by the CIs and services a change affects.
    op.create_index("ix_project_go_live_targets_target_id", "project_go_live_targets", ["target_id"])
    with op.batch_alter_table("change_conflicts") as batch:
        batch.add_column(sa.Column("project_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_conflicts") as batch:
        batch.drop_column("project_id")
    op.drop_table("project_go_live_targets")
    op.drop_table("project_go_lives")
