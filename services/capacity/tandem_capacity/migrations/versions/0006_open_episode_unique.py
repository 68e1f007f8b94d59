"""One open episode per person, kind and run of weeks: duplicate raises are cleared, then a partial unique index.

Two recomputes of the same person could both find no open episode and both raise one (on PostgreSQL; recomputes now
lock the person first). A person's open episodes of a kind are disjoint runs of weeks, so two open ones starting in
the same week are one run raised twice: the first raised stays open, the others are cleared here, each with an audit
row and its cleared event in the outbox, so consumers that counted the duplicate raise (metrics) count it off again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import os
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from tandem_shared.auth import SYSTEM_ACTOR
from tandem_shared.contracts.capacity import PersonBurnoutRiskCleared, PersonOverallocationCleared
from tandem_shared.db import UTCDateTime
from tandem_shared.events import DEFAULT_TOPIC_PREFIX, build_envelope, topic_of

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEX = "ix_capacity_episodes_one_open_per_run"
OPEN = "status = 'open'"
CLEARED = {"overallocated": PersonOverallocationCleared, "burnout_risk": PersonBurnoutRiskCleared}

# Only the columns used here, as they are at this revision (not the models, which move on).
episodes = sa.table(
    "capacity_episodes", sa.column("id", sa.Uuid()), sa.column("person_id", sa.Uuid()), sa.column("kind", sa.String),
    sa.column("first_week", sa.String), sa.column("last_week", sa.String), sa.column("peak_utilisation", sa.Float),
    sa.column("status", sa.String), sa.column("opened_at", UTCDateTime()), sa.column("cleared_at", UTCDateTime()))
people = sa.table("people", sa.column("id", sa.Uuid()), sa.column("team", sa.String))
outbox = sa.table(
    "outbox", sa.column("event_id", sa.Uuid()), sa.column("topic", sa.String), sa.column("key", sa.String),
    sa.column("event_type", sa.String), sa.column("payload", sa.JSON()), sa.column("created_at", UTCDateTime()))
audit_log = sa.table(
    "audit_log", sa.column("id", sa.Uuid()), sa.column("at", UTCDateTime()), sa.column("actor", sa.String),
    sa.column("action", sa.String), sa.column("entity_type", sa.String), sa.column("entity_id", sa.String),
    sa.column("from_state", sa.String), sa.column("to_state", sa.String), sa.column("detail", sa.JSON()))


def _clear_duplicates() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(episodes.c.id, episodes.c.person_id, episodes.c.kind, episodes.c.first_week, episodes.c.last_week,
                  episodes.c.peak_utilisation, people.c.team)
        .join(people, people.c.id == episodes.c.person_id)
        .where(episodes.c.status == "open")
        .order_by(episodes.c.person_id, episodes.c.kind, episodes.c.first_week, episodes.c.opened_at, episodes.c.id)
    ).all()
    seen: set[tuple] = set()
    now = datetime.now(UTC)
    # The prefix the running service publishes under (TANDEM_KAFKA_TOPIC_PREFIX); the relay sends each row there.
    topic = topic_of("capacity", os.environ.get("TANDEM_KAFKA_TOPIC_PREFIX", DEFAULT_TOPIC_PREFIX))
    for row in rows:
        run = (row.person_id, row.kind, row.first_week)
        if run not in seen:
            seen.add(run)  # the first raised of the run stays open
            continue
        bind.execute(sa.update(episodes).where(episodes.c.id == row.id).values(status="cleared", cleared_at=now))
        envelope = build_envelope(CLEARED[row.kind](
            episode_id=row.id, person_id=row.person_id, team=row.team, first_week=row.first_week,
            last_week=row.last_week, peak_utilisation=row.peak_utilisation), actor=SYSTEM_ACTOR)
        bind.execute(sa.insert(outbox).values(
            event_id=envelope.id, topic=topic, key=envelope.subject, event_type=envelope.type,
            payload=envelope.model_dump(mode="json"), created_at=envelope.time))
        bind.execute(sa.insert(audit_log).values(
            id=uuid.uuid4(), at=now, actor=SYSTEM_ACTOR, action="clear_duplicate", entity_type="capacity_episode",
            entity_id=str(row.id), from_state="open", to_state="cleared",
            detail={"person_id": str(row.person_id), "kind": row.kind, "first_week": row.first_week,
                    "last_week": row.last_week}))


def upgrade() -> None:
    _clear_duplicates()
    op.create_index(INDEX, "capacity_episodes", ["person_id", "kind", "first_week"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index(INDEX, "capacity_episodes")
