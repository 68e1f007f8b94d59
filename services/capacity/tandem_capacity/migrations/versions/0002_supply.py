"""Supply (teams, skills, schedules, time off, holidays), person location and cost rate, episodes, scenarios.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("location", sa.String(100), nullable=True))
        batch.add_column(sa.Column("cost_rate", sa.Numeric(12, 2), nullable=True))
        batch.add_column(sa.Column("cost_currency", sa.String(3), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.create_index("ix_people_location", ["location"])
    op.create_table(
        "teams",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("manager", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("name", name="uq_teams_name"),
    )
    op.create_table(
        "skills",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("category", sa.String(100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_skills"),
        sa.UniqueConstraint("key", name="uq_skills_key"),
    )
    _catalogue_existing_people()
    op.create_table(
        "working_schedules",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        *[sa.Column(day, sa.Float(), nullable=False) for day in WEEKDAYS],
        sa.PrimaryKeyConstraint("person_id", "effective_from", name="pk_working_schedules"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_working_schedules_person_id_people",
                                ondelete="CASCADE"),
    )
    op.create_table(
        "time_off",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("hours_per_day", sa.Float(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_time_off"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_time_off_person_id_people", ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('vacation', 'sick', 'training', 'other')", name="ck_time_off_kind"),
        sa.CheckConstraint("end_date >= start_date", name="ck_time_off_dates"),
    )
    op.create_index("ix_time_off_person_id_start_date", "time_off", ["person_id", "start_date"])
    op.create_table(
        "holidays",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("location", sa.String(100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_holidays"),
        sa.UniqueConstraint("location", "date", name="uq_holidays_location_date"),
    )
    op.create_index("ix_holidays_date", "holidays", ["date"])
    op.create_table(
        "capacity_episodes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("first_week", sa.String(8), nullable=False),
        sa.Column("last_week", sa.String(8), nullable=False),
        sa.Column("peak_utilisation", sa.Float(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("cleared_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_capacity_episodes"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_capacity_episodes_person_id_people",
                                ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('overallocated', 'burnout_risk')", name="ck_capacity_episodes_kind"),
        sa.CheckConstraint("status IN ('open', 'cleared')", name="ck_capacity_episodes_status"),
    )
    op.create_index("ix_capacity_episodes_person_id_status", "capacity_episodes", ["person_id", "status"])
    op.create_index("ix_capacity_episodes_status", "capacity_episodes", ["status"])
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scenarios"),
    )
    op.create_table(
        "scenario_bookings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scenario_id", sa.Uuid(), nullable=False),
        sa.Column("live_booking_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("weeks", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scenario_bookings"),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenarios.id"], name="fk_scenario_bookings_scenario_id_scenarios",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_scenario_bookings_person_id_people",
                                ondelete="CASCADE"),
        sa.CheckConstraint("source IN ('change', 'project', 'operations')", name="ck_scenario_bookings_source"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="ck_scenario_bookings_kind"),
    )
    op.create_index("ix_scenario_bookings_scenario_id", "scenario_bookings", ["scenario_id"])
    op.create_table(
        "person_loads",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("weeks", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_person_loads"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_person_loads_person_id_people",
                                ondelete="CASCADE"),
    )
    _load_existing_bookings()


def _catalogue_existing_people() -> None:
    """People created before the catalogue existed: their teams and skills join the catalogue."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    teams = bind.execute(sa.text("SELECT DISTINCT team FROM people")).scalars().all()
    skills: dict[str, str] = {}
    for name in bind.execute(sa.text("SELECT name FROM person_skills ORDER BY name")).scalars():
        skills.setdefault(name.casefold(), name)
    teams_table = sa.table("teams", sa.column("id", sa.Uuid()), sa.column("name"), sa.column("version"),
                           sa.column("created_at", UTCDateTime()))
    skills_table = sa.table("skills", sa.column("id", sa.Uuid()), sa.column("name"), sa.column("key"),
                            sa.column("created_at", UTCDateTime()))
    if teams:
        op.bulk_insert(teams_table, [{"id": uuid.uuid4(), "name": t, "version": 1, "created_at": now} for t in teams])
    if skills:
        op.bulk_insert(skills_table, [{"id": uuid.uuid4(), "name": n, "key": k, "created_at": now}
                                      for k, n in skills.items()])


def _load_existing_bookings() -> None:
    """Sum the active bookings made before this revision into person_loads."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT b.person_id, w.week, sum(w.hours) FROM booking_weeks w JOIN bookings b ON b.id = w.booking_id "
        "WHERE b.status = 'active' GROUP BY b.person_id, w.week")).all()
    loads: dict[str, dict[str, float]] = {}
    for person_id, week, hours in rows:
        loads.setdefault(str(person_id), {})[week] = round(float(hours), 2)
    table = sa.table("person_loads", sa.column("person_id", sa.Uuid()), sa.column("weeks", sa.JSON()),
                     sa.column("updated_at", UTCDateTime()))
    if loads:
        now = datetime.now(UTC)
        op.bulk_insert(table, [{"person_id": uuid.UUID(pid), "weeks": weeks, "updated_at": now}
                               for pid, weeks in loads.items()])


def downgrade() -> None:
    for table in ("person_loads", "scenario_bookings", "scenarios", "capacity_episodes", "holidays", "time_off",
                  "working_schedules", "skills", "teams"):
        op.drop_table(table)
    with op.batch_alter_table("people") as batch:
        batch.drop_index("ix_people_location")
        for column in ("version", "cost_currency", "cost_rate", "location"):
            batch.drop_column(column)
