"""Service signals (incidents, outages, CSAT) and incident links.

Signals as received (one row per source system and external id), the services and their committed hours, the
implemented changes the linking rule matches incidents against, and the links.

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


def _signal_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "metrics_services",
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=False),
        sa.Column("configured", sa.Boolean(), nullable=False),
        sa.Column("monitored", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("service_id", name="pk_metrics_services"),
    )
    op.create_table(
        "metrics_incidents",
        *_signal_columns(),
        sa.Column("service_id", sa.String(200), nullable=True),
        sa.Column("ci_ids", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(2), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("caused_by_change_id", sa.Uuid(), nullable=True),
        sa.Column("caused_by_project_id", sa.Uuid(), nullable=True),
        sa.Column("counted", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_metrics_incidents"),
        sa.UniqueConstraint("source_system", "external_id", name="uq_metrics_incidents_source_system_external_id"),
    )
    op.create_index("ix_metrics_incidents_opened_at", "metrics_incidents", ["opened_at"])
    op.create_index("ix_metrics_incidents_caused_by_change_id", "metrics_incidents", ["caused_by_change_id"])
    op.create_table(
        "metrics_outages",
        *_signal_columns(),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("planned", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_metrics_outages"),
        sa.UniqueConstraint("source_system", "external_id", name="uq_metrics_outages_source_system_external_id"),
    )
    op.create_index("ix_metrics_outages_service_id", "metrics_outages", ["service_id", "start"])
    op.create_table(
        "metrics_csat",
        *_signal_columns(),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("scale", sa.String(10), nullable=False),
        sa.Column("score_5", sa.Float(), nullable=False),
        sa.Column("responded_at", UTCDateTime(), nullable=True),
        sa.Column("period", sa.String(10), nullable=True),
        sa.Column("counted", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_metrics_csat"),
        sa.UniqueConstraint("source_system", "external_id", name="uq_metrics_csat_source_system_external_id"),
    )
    op.create_table(
        "metrics_changes",
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("affected_cis", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=True),
        sa.Column("implemented_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("change_id", name="pk_metrics_changes"),
    )
    op.create_index("ix_metrics_changes_implemented_at", "metrics_changes", ["implemented_at"])
    op.create_table(
        "metrics_incident_links",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("ci_ids_in_common", sa.JSON(), nullable=False),
        sa.Column("hours_between", sa.Float(), nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(2), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name="pk_metrics_incident_links"),
    )
    op.create_index("ix_metrics_incident_links_change_id", "metrics_incident_links", ["change_id"])


def downgrade() -> None:
    op.drop_index("ix_metrics_incident_links_change_id", table_name="metrics_incident_links")
    op.drop_table("metrics_incident_links")
    op.drop_index("ix_metrics_changes_implemented_at", table_name="metrics_changes")
    op.drop_table("metrics_changes")
    op.drop_table("metrics_csat")
    op.drop_index("ix_metrics_outages_service_id", table_name="metrics_outages")
    op.drop_table("metrics_outages")
    op.drop_index("ix_metrics_incidents_caused_by_change_id", table_name="metrics_incidents")
    op.drop_index("ix_metrics_incidents_opened_at", table_name="metrics_incidents")
    op.drop_table("metrics_incidents")
    op.drop_table("metrics_services")
