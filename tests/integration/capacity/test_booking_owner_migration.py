"""Migration 0007 records who made each existing booking, from the booking's `book` audit row."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from tandem_capacity.bookings.models import Booking
from tandem_capacity.people.models import Person
from tandem_shared.migrations import upgrade
from tandem_shared.tables import audit_log

from tests.support import database_at

AT = datetime(2027, 1, 11, 9, tzinfo=UTC)
# The bookings table as it is at 0006: the model's columns but the new one.
BOOKINGS = sa.table("bookings", *(sa.column(c.name, c.type) for c in Booking.__table__.c if c.name != "booked_by"))


@pytest.fixture
async def at_0006(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A capacity database migrated up to revision 0006 (before bookings.booked_by)."""
    async with database_at("capacity", "0006", backend, tmp_path) as url:
        yield url


async def test_0007_takes_the_booker_from_the_audit_log(at_0006: str) -> None:
    ana, booked, unknown = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    engine = create_async_engine(at_0006)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.insert(Person.__table__).values(
                id=ana, name="Ana", team="Platform", weekly_hours=40, created_by="rita"))
            for booking in (booked, unknown):
                await conn.execute(sa.insert(BOOKINGS).values(
                    id=booking, person_id=ana, source="operations", source_id="patch-night", kind="soft", start=AT,
                    end=AT.replace(day=15), hours=8.0, status="active", created_at=AT, version=1))
            await conn.execute(sa.insert(audit_log).values(
                id=uuid.uuid4(), at=AT, actor="pia", action="book", entity_type="booking", entity_id=str(booked)))
            await conn.execute(sa.insert(audit_log).values(  # a later action is not who booked it
                id=uuid.uuid4(), at=AT, actor="rae", action="release", entity_type="booking",
                entity_id=str(booked)))

        await asyncio.to_thread(upgrade, "capacity", at_0006)

        async with engine.begin() as conn:
            rows = (await conn.execute(sa.select(Booking.id, Booking.booked_by))).all()
            assert dict(rows) == {booked: "pia", unknown: None}
    finally:
        await engine.dispose()
