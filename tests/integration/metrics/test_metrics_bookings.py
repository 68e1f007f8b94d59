"""Bookings in metrics: a moved booking moves its hours (change hours booked, utilisation by source)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tandem_shared.contracts.capacity import BookingCreated, BookingMoved, WeekHours

from tests.integration.metrics.test_metrics_api import VIEWER, _consumer_app, _publish
from tests.support import eventually, running

T0, T1 = datetime(2026, 12, 1, 22, tzinfo=UTC), datetime(2026, 12, 9, 2, tzinfo=UTC)
T2, T3 = datetime(2026, 12, 15, 8, tzinfo=UTC), datetime(2026, 12, 16, 14, tzinfo=UTC)


async def test_a_moved_change_booking_moves_its_hours_to_the_new_weeks(databases, backend, broker):
    app = await _consumer_app(databases, backend, broker)
    async with running(app) as client:
        booking_id, person = uuid.uuid4(), uuid.uuid4()
        before = [WeekHours(week="2026-W49", hours=4), WeekHours(week="2026-W50", hours=2)]
        after = [WeekHours(week="2026-W51", hours=5)]
        created = BookingCreated(id=booking_id, person_id=person, source="change", source_id="c-1", kind="hard",
                                 start=T0, end=T1, hours=6, weeks=before)
        moved = BookingMoved(id=booking_id, source="change", source_id="c-1", kind="hard", person_id=person,
                             start=T2, end=T3, hours=5, weeks=after, previous_person_id=person, previous_start=T0,
                             previous_end=T1, previous_hours=6, previous_weeks=before, reason="change rescheduled")
        await _publish(app, created, moved)

        async def moved_hours():
            kpi = (await client.get("/metrics/v1/kpis/change_hours_booked", headers=VIEWER)).json()
            series = {p["period"]: p["value"] for p in kpi["series"]}
            return kpi if kpi["value"] == 5 and series.get("2026-W51") == 5 else None

        kpi = await eventually(moved_hours)
        assert {p["period"]: p["value"] for p in kpi["series"]} == {"2026-W49": 0, "2026-W50": 0, "2026-W51": 5}
