"""Tables every service database has: the outbox, the inbox, the audit log and the relay lease."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from tandem_shared.db import UTCDateTime, new_metadata

if TYPE_CHECKING:
    from alembic.operations import Operations

platform_metadata = new_metadata()
# Outbox rows that failed at least once and are not published: the relay's per-key blocking and the parked
# listing look only at these, through a partial index that stays empty while nothing fails. A literal, not a
# bound parameter, so SQLite and PostgreSQL can match queries to the index's predicate.
RETRYING = "published_at IS NULL AND attempts > 0"

outbox = sa.Table(
    "outbox",
    platform_metadata,
    # The sequence orders publication; per entity it follows commit order because writers of
    # one entity serialise on that entity's row before they write its outbox row.
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.Uuid(), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("event_type", sa.String(200), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("published_at", UTCDateTime(), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    # Set when the broker refused the row `relay_max_attempts` times: no longer sent until `tandem outbox unpark`.
    sa.Column("parked_at", UTCDateTime(), nullable=True),
    sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
    sa.Index("ix_outbox_pending", "published_at", "seq"),
    sa.Index("ix_outbox_retrying", "key", "seq", sqlite_where=sa.text(RETRYING), postgresql_where=sa.text(RETRYING)),
)

# Which relay instance publishes a database's outbox: one row per relay name, taken over only once it expired.
relay_lease = sa.Table(
    "relay_lease",
    platform_metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
)

inbox = sa.Table(
    "inbox",
    platform_metadata,
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("source", sa.String(200), primary_key=True),
    sa.Column("event_id", sa.Uuid(), primary_key=True),
    sa.Column("event_type", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # applied | skipped | dead_lettered
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("partition", sa.Integer(), nullable=False),
    sa.Column("offset", sa.BigInteger(), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("received_at", UTCDateTime(), nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    platform_metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("entity_type", sa.String(100), nullable=False),
    sa.Column("entity_id", sa.String(100), nullable=False),
    sa.Column("from_state", sa.String(50), nullable=True),
    sa.Column("to_state", sa.String(50), nullable=True),
    sa.Column("detail", sa.JSON(), nullable=True),
    sa.Column("correlation_id", sa.String(100), nullable=True),
    sa.Index("ix_audit_log_entity", "entity_type", "entity_id", "at"),
)


def create_platform_tables_v1(op: Operations) -> None:
    """Create the v1 outbox, inbox and audit tables inside a service's first migration."""
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "seq"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "source", "event_id", name="pk_inbox"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("from_state", sa.String(50), nullable=True),
        sa.Column("to_state", sa.String(50), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("correlation_id", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id", "at"])


def drop_platform_tables_v1(op: Operations) -> None:
    """Drop what create_platform_tables_v1 created."""
    for name in ("audit_log", "inbox", "outbox"):
        op.drop_table(name)


def upgrade_platform_tables_v2(op: Operations) -> None:
    """Parked outbox rows, the index of retrying rows and the relay lease."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("parked_at", UTCDateTime(), nullable=True))
    op.create_index("ix_outbox_retrying", "outbox", ["key", "seq"], sqlite_where=sa.text(RETRYING),
                    postgresql_where=sa.text(RETRYING))
    op.create_table(
        "relay_lease",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_relay_lease"),
    )


def downgrade_platform_tables_v2(op: Operations) -> None:
    """Undo upgrade_platform_tables_v2."""
    op.drop_table("relay_lease")
    op.drop_index("ix_outbox_retrying", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parked_at")
