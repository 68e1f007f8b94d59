"""Who made each booking (`bookings.booked_by`): a project manager moves, confirms and releases only their own.

Existing bookings take the actor of their `book` audit row, written in the same transaction as the booking; a booking
without one keeps NULL, and only resource managers (and admins) act on it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Only the columns used here, as they are at this revision (not the models, which move on).
bookings = sa.table("bookings", sa.column("id", sa.Uuid()), sa.column("booked_by", sa.String))
audit = sa.table("audit_log", sa.column("actor", sa.String), sa.column("action", sa.String),
                 sa.column("entity_type", sa.String), sa.column("entity_id", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("booked_by", sa.String(200), nullable=True))
    bind = op.get_bind()
    booked = bind.execute(sa.select(audit.c.entity_id, audit.c.actor).where(
        audit.c.entity_type == "booking", audit.c.action == "book")).all()
    rows = [{"b_id": uuid.UUID(entity_id), "b_by": actor} for entity_id, actor in booked]
    if rows:
        bind.execute(bookings.update().where(bookings.c.id == sa.bindparam("b_id"))
                     .values(booked_by=sa.bindparam("b_by")), rows)


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("booked_by")
