"""People and their skills, bookings and their weeks, and the platform tables.

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
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("weekly_hours", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("email", name="uq_people_email"),
    )
    op.create_index("ix_people_name", "people", ["name"])
    op.create_index("ix_people_team", "people", ["team"])
    op.create_table(
        "person_skills",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("proficiency", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "name", name="pk_person_skills"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_person_skills_person_id_people",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_person_skills_name", "person_skills", ["name"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("released_at", UTCDateTime(), nullable=True),
        sa.Column("release_reason", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_bookings_person_id_people"),
        sa.CheckConstraint("source IN ('change', 'project', 'operations')", name="ck_bookings_source"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="ck_bookings_kind"),
        sa.CheckConstraint("status IN ('active', 'released')", name="ck_bookings_status"),
        sa.CheckConstraint('"end" > start', name="ck_bookings_window"),
        sa.CheckConstraint("hours >= 0", name="ck_bookings_hours"),
    )
    op.create_index("ix_bookings_person_id", "bookings", ["person_id"])
    op.create_index("ix_bookings_source_source_id", "bookings", ["source", "source_id"])
    op.create_table(
        "booking_weeks",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", "week", name="pk_booking_weeks"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name="fk_booking_weeks_booking_id_bookings",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_booking_weeks_week", "booking_weeks", ["week"])


def downgrade() -> None:
    op.drop_table("booking_weeks")
    op.drop_table("bookings")
    op.drop_table("person_skills")
    op.drop_table("people")
    drop_platform_tables_v1(op)
