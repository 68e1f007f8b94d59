"""The CMDB: configuration items, relationships, maintenance and blackout windows, affected and impacted CIs.

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

CI = "configuration_items.id"


def upgrade() -> None:
    op.create_table(
        "configuration_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("ci_class", sa.String(40), nullable=False),
        sa.Column("criticality", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(20), nullable=False),
        sa.Column("owner_team", sa.String(100), nullable=True),
        sa.Column("service_owner", sa.String(200), nullable=True),
        sa.Column("min_up", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_configuration_items"),
        sa.UniqueConstraint("name", name="uq_configuration_items_name"),
        sa.CheckConstraint("criticality >= 1 AND criticality <= 5", name="ck_configuration_items_criticality_range"),
    )
    for column in ("ci_class", "owner_team", "environment"):
        op.create_index(f"ix_configuration_items_{column}", "configuration_items", [column])

    op.create_table(
        "ci_relationships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ci_relationships"),
        sa.ForeignKeyConstraint(["source_id"], [CI], name="fk_ci_relationships_source_id_configuration_items"),
        sa.ForeignKeyConstraint(["target_id"], [CI], name="fk_ci_relationships_target_id_configuration_items"),
        sa.UniqueConstraint("source_id", "target_id", "type", name="uq_ci_relationships_source_id"),
    )
    op.create_index("ix_ci_relationships_source_id", "ci_relationships", ["source_id"])
    op.create_index("ix_ci_relationships_target_id", "ci_relationships", ["target_id"])

    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ci_id", sa.Uuid(), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_windows"),
        sa.ForeignKeyConstraint(["ci_id"], [CI], name="fk_maintenance_windows_ci_id_configuration_items"),
        sa.CheckConstraint("duration_minutes > 0", name="ck_maintenance_windows_duration_positive"),
    )
    op.create_index("ix_maintenance_windows_ci_id", "maintenance_windows", ["ci_id"])

    op.create_table(
        "blackout_windows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("ci_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blackout_windows"),
        sa.ForeignKeyConstraint(["ci_id"], [CI], name="fk_blackout_windows_ci_id_configuration_items"),
        sa.CheckConstraint('"end" > start', name="ck_blackout_windows_end_after_start"),
    )
    op.create_index("ix_blackout_windows_start", "blackout_windows", ["start", "end"])

    op.create_table(
        "change_cis",
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("ci_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", "ci_id", name="pk_change_cis"),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name="fk_change_cis_change_id_changes",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ci_id"], [CI], name="fk_change_cis_ci_id_configuration_items"),
    )
    op.create_index("ix_change_cis_ci_id", "change_cis", ["ci_id"])

    op.create_table(
        "change_impacts",
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("ci_id", sa.Uuid(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("business_service", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("change_id", "ci_id", name="pk_change_impacts"),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name="fk_change_impacts_change_id_changes",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ci_id"], [CI], name="fk_change_impacts_ci_id_configuration_items"),
    )


def downgrade() -> None:
    for table in ("change_impacts", "change_cis", "blackout_windows", "maintenance_windows", "ci_relationships",
                  "configuration_items"):
        op.drop_table(table)
