"""Strategy, intake, lifecycle stages and stage gates.

Strategic objectives; a project's intake fields (problem statement, portfolio, project manager, receiving service
owner and support team) and links (objectives served, services and CIs touched, stakeholders); the new lifecycle
(old stages mapped onto it); decision records that name their gate; gate configurations, reviews and votes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Old stage -> new stage. Written out here (not imported) so the migration keeps meaning what it meant.
STAGES = {
    "proposed": "proposed", "screening": "proposed", "approved": "approved", "initiation": "planning",
    "planning": "planning", "execution": "executing", "monitoring": "executing", "closing": "transition",
    "closed": "closed", "deferred": "on_hold", "terminated": "terminated",
}
# New stage -> the old stage a downgrade maps it back to.
BACK = {"idea": "proposed", "proposed": "proposed", "approved": "approved", "planning": "planning",
        "executing": "execution", "transition": "closing", "closed": "closed", "on_hold": "deferred",
        "terminated": "terminated"}
NEW_STAGES = ("idea", "proposed", "approved", "planning", "executing", "transition", "closed", "on_hold", "terminated")


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in mapping.items())
    return f"CASE {column} {whens} ELSE {column} END"


def _map_stages(mapping: dict[str, str]) -> None:
    op.execute(f"UPDATE projects SET stage = {_case('stage', mapping)}")
    op.execute(f"UPDATE project_decisions SET from_stage = {_case('from_stage', mapping)}, "
               f"to_stage = {_case('to_stage', mapping)}")


def upgrade() -> None:
    op.create_table(
        "strategic_objectives",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_strategic_objectives"),
        sa.UniqueConstraint("name", name="uq_strategic_objectives_name"),
        sa.CheckConstraint("weight > 0", name="ck_strategic_objectives_weight_positive"),
        sa.CheckConstraint("period_end >= period_start", name="ck_strategic_objectives_period"),
    )
    op.create_index("ix_strategic_objectives_active", "strategic_objectives", ["active"])
    op.create_index("ix_strategic_objectives_created_at", "strategic_objectives", ["created_at"])

    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("problem_statement", sa.Text(), nullable=True))
        batch.add_column(sa.Column("held_from_stage", sa.String(20), nullable=True))
        batch.add_column(sa.Column("portfolio", sa.String(100), nullable=False, server_default="default"))
        batch.add_column(sa.Column("project_manager", sa.String(200), nullable=True))
        batch.add_column(sa.Column("service_owner", sa.String(200), nullable=True))
        batch.add_column(sa.Column("support_team", sa.String(200), nullable=True))
        batch.create_index("ix_projects_portfolio", ["portfolio"])
        batch.create_index("ix_projects_project_manager", ["project_manager"])
    with op.batch_alter_table("project_decisions") as batch:
        batch.add_column(sa.Column("gate", sa.String(20), nullable=True))
        batch.add_column(sa.Column("review_id", sa.Uuid(), nullable=True))
    _map_stages(STAGES)
    # A project on hold resumes to the stage its latest deferral took it from.
    op.execute("UPDATE projects SET held_from_stage = (SELECT d.from_stage FROM project_decisions d "
               "WHERE d.project_id = projects.id AND d.to_stage = 'on_hold' ORDER BY d.decided_at DESC LIMIT 1) "
               "WHERE stage = 'on_hold'")
    with op.batch_alter_table("projects") as batch:
        batch.create_check_constraint("ck_projects_stage", "stage IN (" + ", ".join(f"'{s}'" for s in NEW_STAGES)
                                      + ")")

    op.create_table(
        "project_objectives",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("objective_id", sa.Uuid(), nullable=False),
        sa.Column("contribution", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "objective_id", name="pk_project_objectives"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_project_objectives_project_id_projects",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["objective_id"], ["strategic_objectives.id"],
                                name="fk_project_objectives_objective_id_strategic_objectives"),
        sa.CheckConstraint("contribution BETWEEN 0 AND 5", name="ck_project_objectives_contribution"),
    )
    op.create_index("ix_project_objectives_objective_id", "project_objectives", ["objective_id"])
    op.create_table(
        "project_touches",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ref_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "kind", "ref_id", name="pk_project_touches"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_project_touches_project_id_projects",
                                ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('service', 'ci')", name="ck_project_touches_kind"),
    )
    op.create_index("ix_project_touches_ref_id", "project_touches", ["ref_id"])
    op.create_table(
        "project_stakeholders",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("sub", sa.String(200), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "sub", "role", name="pk_project_stakeholders"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_project_stakeholders_project_id_projects",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_project_stakeholders_sub", "project_stakeholders", ["sub"])
    # A named sponsor is a stakeholder.
    op.execute("INSERT INTO project_stakeholders (project_id, sub, role) "
               "SELECT id, sponsor, 'sponsor' FROM projects WHERE sponsor IS NOT NULL")

    op.create_table(
        "gate_configs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("portfolio", sa.String(100), nullable=False),
        sa.Column("gate", sa.String(20), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("quorum_kind", sa.String(20), nullable=False),
        sa.Column("quorum_value", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gate_configs"),
        sa.UniqueConstraint("portfolio", "gate", name="uq_gate_configs_portfolio_gate"),
    )
    op.create_table(
        "gate_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("gate", sa.String(20), nullable=False),
        sa.Column("portfolio", sa.String(100), nullable=False),
        sa.Column("from_stage", sa.String(20), nullable=False),
        sa.Column("to_stage", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("voters", sa.JSON(), nullable=False),
        sa.Column("quorum_kind", sa.String(20), nullable=False),
        sa.Column("quorum_value", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gate_reviews"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_gate_reviews_project_id_projects",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_gate_reviews_project_id", "gate_reviews", ["project_id"])
    op.create_index("ix_gate_reviews_one_open_per_project", "gate_reviews", ["project_id"], unique=True,
                    sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))
    op.create_table(
        "gate_votes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("voter", sa.String(200), nullable=False),
        sa.Column("vote", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("cast_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gate_votes"),
        sa.ForeignKeyConstraint(["review_id"], ["gate_reviews.id"], name="fk_gate_votes_review_id_gate_reviews",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("review_id", "voter", name="uq_gate_votes_review_id_voter"),
        sa.CheckConstraint("vote IN ('go', 'hold', 'recycle', 'kill')", name="ck_gate_votes_vote"),
    )
    op.create_index("ix_gate_votes_review_id", "gate_votes", ["review_id"])
    op.create_index("ix_gate_votes_project_id", "gate_votes", ["project_id"])


def downgrade() -> None:
    for table in ("gate_votes", "gate_reviews", "gate_configs", "project_stakeholders", "project_touches",
                  "project_objectives"):
        op.drop_table(table)
    with op.batch_alter_table("projects") as batch:
        batch.drop_constraint("ck_projects_stage", type_="check")
    _map_stages(BACK)
    with op.batch_alter_table("project_decisions") as batch:
        batch.drop_column("review_id")
        batch.drop_column("gate")
    with op.batch_alter_table("projects") as batch:
        batch.drop_index("ix_projects_project_manager")
        batch.drop_index("ix_projects_portfolio")
        for column in ("support_team", "service_owner", "project_manager", "portfolio", "held_from_stage",
                       "problem_statement"):
            batch.drop_column(column)
    op.drop_table("strategic_objectives")
