"""The full change record, standard change models, risk conditions and questionnaire, approver groups,
approval policies with steps, each change's approval steps and votes, and team success scores.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22
"""

import uuid

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime, utcnow

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Fixed ids for the seeded rows, so every installation (and the docs) name them alike.
SEED = uuid.UUID("2f0e7a52-5b4c-4c3e-9f7d-0c7f4a1e9b10")


def seed_id(name: str) -> uuid.UUID:
    return uuid.uuid5(SEED, name)


CHANGE_COLUMNS = [
    sa.Column("implementation_plan", sa.Text(), nullable=True),
    sa.Column("backout_plan", sa.Text(), nullable=True),
    sa.Column("test_plan", sa.Text(), nullable=True),
    sa.Column("outage_required", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("model_id", sa.Uuid(), nullable=True),
    sa.Column("risk", sa.String(20), nullable=True),
    sa.Column("risk_explanation", sa.Text(), nullable=True),
    sa.Column("risk_answers", sa.JSON(), nullable=True),
    sa.Column("approval_policy_id", sa.Uuid(), nullable=True),
    sa.Column("approval_round", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("outcome", sa.String(30), nullable=True),
    sa.Column("incidents_caused", sa.JSON(), nullable=True),
    sa.Column("actual_start", UTCDateTime(), nullable=True),
    sa.Column("actual_end", UTCDateTime(), nullable=True),
    sa.Column("review_notes", sa.Text(), nullable=True),
    sa.Column("closed_at", UTCDateTime(), nullable=True),
]

QUESTIONS = [
    {"key": "backout", "text": "Can the change be backed out?", "answers": [
        {"key": "tested", "text": "Yes, and the backout was tested", "weight": 0},
        {"key": "untested", "text": "Yes, but the backout is untested", "weight": 2},
        {"key": "no", "text": "No", "weight": 5}]},
    {"key": "experience", "text": "Has the team made this change before?", "answers": [
        {"key": "routinely", "text": "Routinely", "weight": 0},
        {"key": "once", "text": "Once or twice", "weight": 1},
        {"key": "never", "text": "Never", "weight": 3}]},
    {"key": "users", "text": "Who is affected during the window?", "answers": [
        {"key": "none", "text": "Nobody", "weight": 0},
        {"key": "some", "text": "Some users", "weight": 2},
        {"key": "all", "text": "All users", "weight": 4}]},
    {"key": "complexity", "text": "How complex is the implementation?", "answers": [
        {"key": "simple", "text": "Simple", "weight": 0},
        {"key": "moderate", "text": "Several coordinated steps", "weight": 1},
        {"key": "complex", "text": "Complex, several teams", "weight": 3}]},
]


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        for column in CHANGE_COLUMNS:
            batch.add_column(column)
        batch.create_index("ix_changes_model_id", ["model_id"])
        batch.create_index("ix_changes_risk", ["risk"])
    with op.batch_alter_table("known_people") as batch:
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))

    op.create_table(
        "change_models",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("implementation_plan", sa.Text(), nullable=True),
        sa.Column("backout_plan", sa.Text(), nullable=True),
        sa.Column("default_effort_hours", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_models"),
        sa.UniqueConstraint("name", name="uq_change_models_name"),
    )
    conditions = op.create_table(
        "risk_conditions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("risk", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_conditions"),
        sa.UniqueConstraint("name", name="uq_risk_conditions_name"),
    )
    questionnaire = op.create_table(
        "risk_questionnaire",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("moderate_from", sa.Float(), nullable=False),
        sa.Column("high_from", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_questionnaire"),
    )
    groups = op.create_table(
        "approver_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approver_groups"),
        sa.UniqueConstraint("name", name="uq_approver_groups_name"),
    )
    op.create_table(
        "approver_group_members",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("member", sa.String(200), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "member", name="pk_approver_group_members"),
        sa.ForeignKeyConstraint(["group_id"], ["approver_groups.id"], ondelete="CASCADE",
                                name="fk_approver_group_members_group_id_approver_groups"),
    )
    policies = op.create_table(
        "approval_policies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("change_type", sa.String(20), nullable=False),
        sa.Column("risk", sa.String(20), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approval_policies"),
        sa.UniqueConstraint("name", name="uq_approval_policies_name"),
    )
    policy_steps = op.create_table(
        "approval_policy_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("quorum_kind", sa.String(20), nullable=False),
        sa.Column("quorum_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approval_policy_steps"),
        sa.ForeignKeyConstraint(["policy_id"], ["approval_policies.id"], ondelete="CASCADE",
                                name="fk_approval_policy_steps_policy_id_approval_policies"),
        sa.ForeignKeyConstraint(["group_id"], ["approver_groups.id"],
                                name="fk_approval_policy_steps_group_id_approver_groups"),
    )
    op.create_index("ix_approval_policy_steps_policy_id", "approval_policy_steps", ["policy_id"])
    op.create_table(
        "change_approval_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("group_name", sa.String(200), nullable=False),
        sa.Column("quorum_kind", sa.String(20), nullable=False),
        sa.Column("quorum_value", sa.Integer(), nullable=False),
        sa.Column("voters", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_change_approval_steps"),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name="fk_change_approval_steps_change_id_changes"),
    )
    op.create_index("ix_change_approval_steps_change_id", "change_approval_steps", ["change_id"])
    op.create_table(
        "change_approval_votes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("step_id", sa.Uuid(), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("voter", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("cast_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_approval_votes"),
        sa.ForeignKeyConstraint(["step_id"], ["change_approval_steps.id"],
                                name="fk_change_approval_votes_step_id_change_approval_steps"),
        sa.UniqueConstraint("step_id", "voter", name="uq_change_approval_votes_step_id_voter"),
    )
    op.create_index("ix_change_approval_votes_step_id", "change_approval_votes", ["step_id"])
    op.create_index("ix_change_approval_votes_change_id", "change_approval_votes", ["change_id"])
    op.create_table(
        "team_success_scores",
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("successful", sa.Integer(), nullable=False),
        sa.Column("successful_with_issues", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("incidents_caused", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team", name="pk_team_success_scores"),
    )
    _seed(conditions, questionnaire, groups, policies, policy_steps)


def _seed(conditions, questionnaire, groups, policies, policy_steps) -> None:  # noqa: ANN001
    now = utcnow()
    op.bulk_insert(conditions, [
        {"id": seed_id(f"condition:{name}"), "name": name, "kind": kind, "params": params, "risk": risk,
         "position": position, "active": True, "version": 1, "created_at": now}
        for position, (name, kind, params, risk) in enumerate([
            ("Critical business service impacted", "critical_service_impacted", {"min_services": 1}, "high"),
            ("Insufficient lead time", "lead_time_below", {"hours": 48, "change_types": ["normal"]}, "high"),
            ("Outage required", "outage_required", {}, "moderate"),
            ("Team's change success score is low", "team_score_below", {"threshold": -10}, "moderate"),
        ], start=1)
    ])
    op.bulk_insert(questionnaire, [{"id": 1, "questions": QUESTIONS, "moderate_from": 4, "high_from": 8,
                                    "version": 1, "updated_at": now}])
    op.bulk_insert(groups, [
        {"id": seed_id(f"group:{key}"), "name": name, "description": description, "version": 1, "created_at": now}
        for key, name, description in [
            ("change-managers", "Change managers", "Authorise low-risk normal changes; last word on high risk."),
            ("cab", "Change advisory board", "Authorises moderate and high risk normal changes."),
            ("ecab", "Emergency CAB", "Authorises emergency changes at short notice."),
        ]
    ])
    rules = [  # policy key, name, type, risk, [(group, kind, value)]
        ("normal-low", "Normal change, low risk", "normal", "low", [("change-managers", "number", 1)]),
        ("normal-moderate", "Normal change, moderate risk", "normal", "moderate", [("cab", "percentage", 50)]),
        ("normal-high", "Normal change, high risk", "normal", "high",
         [("cab", "percentage", 50), ("change-managers", "number", 1)]),
        ("emergency", "Emergency change", "emergency", None, [("ecab", "number", 1)]),
    ]
    op.bulk_insert(policies, [
        {"id": seed_id(f"policy:{key}"), "name": name, "change_type": type_, "risk": risk, "position": position * 10,
         "active": True, "version": 1, "created_at": now}
        for position, (key, name, type_, risk, _steps) in enumerate(rules, start=1)
    ])
    op.bulk_insert(policy_steps, [
        {"id": seed_id(f"policy:{key}:step:{index}"), "policy_id": seed_id(f"policy:{key}"), "position": index,
         "group_id": seed_id(f"group:{group}"), "quorum_kind": kind, "quorum_value": value}
        for key, _name, _type, _risk, steps in rules
        for index, (group, kind, value) in enumerate(steps, start=1)
    ])


def downgrade() -> None:
    for table in ("team_success_scores", "change_approval_votes", "change_approval_steps", "approval_policy_steps",
                  "approval_policies", "approver_group_members", "approver_groups", "risk_questionnaire",
                  "risk_conditions", "change_models"):
        op.drop_table(table)
    with op.batch_alter_table("known_people") as batch:
        batch.drop_column("email")
    with op.batch_alter_table("changes") as batch:
        batch.drop_index("ix_changes_risk")
        batch.drop_index("ix_changes_model_id")
        for column in reversed(CHANGE_COLUMNS):
            batch.drop_column(column.name)
