"""Next free windows of a change: inside maintenance occurrences, around changes, blackouts and bookings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.integration.change import schedule_rows as rows
from tests.integration.change.test_change_conflicts import REQUESTER, booking, new_change
from tests.support import create_app, running


def at(day: int, hour: int = 22, month: int = 3) -> str:
    return datetime(2055, month, day, hour, tzinfo=UTC).isoformat().replace("+00:00", "Z")


async def test_next_windows_skip_busy_time(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        web, lb = await rows.ci(app, "web-01", "application"), await rows.ci(app, "lb-01", "load_balancer")
        # Saturdays 22:00 to Sunday 02:00.
        await rows.maintenance(app, web, "FREQ=WEEKLY;BYDAY=SA", datetime(2055, 1, 2, 22, tzinfo=UTC), 240)
        person = await rows.person(app, "Dana", "Platform")
        mine = await new_change(client, "Deploy web", datetime(2055, 3, 6, 22, tzinfo=UTC),
                                assignee_id=str(person), effort_hours=2)
        blocker = await new_change(client, "Patch OS", datetime(2055, 3, 13, 22, tzinfo=UTC), hours=4,
                                   type="standard", submit=True)
        for change, ci in ((mine, web), (blocker, web)):
            await rows.link(app, change["id"], ci)
        await rows.blackout(app, "Saturday freeze", datetime(2055, 3, 20, tzinfo=UTC),
                            datetime(2055, 3, 21, tzinfo=UTC))
        from tandem_change.scheduling.handlers import on_booking_created
        from tandem_shared.events import build_envelope
        from tandem_shared.uow import UnitOfWork

        held = booking(person, source="project", source_id="PRJ-9", start=datetime(2055, 3, 27, 21, tzinfo=UTC),
                       end=datetime(2055, 3, 27, 23, tzinfo=UTC))
        own = booking(person, source="change", source_id=mine["id"], start=datetime(2055, 3, 6, 22, tzinfo=UTC),
                      end=datetime(2055, 3, 7, 0, tzinfo=UTC))
        async with app.state.runtime.sessionmaker() as session, session.begin():
            for data in (held, own):
                await on_booking_created(UnitOfWork.of(session), build_envelope(data, actor="capacity"), data)

        url = f"/change/v1/changes/{mine['id']}/next-windows"
        r = await client.get(url, params={"after": at(7, 1), "count": 4}, headers=REQUESTER)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["uses_maintenance_windows"] is True and body["duration_minutes"] == 120
        assert [(w["start"], w["end"]) for w in body["windows"]] == [
            # 6 Mar: only an hour of the occurrence is left after `after`; 13 Mar: the blocker takes it all;
            (at(21, 0), at(21, 2)),  # 20 Mar: the blackout ends at midnight
            (at(27, 23), at(28, 1)),  # 27 Mar: the assignee is booked until 23:00
            (at(3, 22, 4), at(4, 0, 4)),
            (at(10, 22, 4), at(11, 0, 4)),
        ]
        # By default the search starts at the planned start; the change's own booking does not count.
        first = (await client.get(url, params={"count": 1}, headers=REQUESTER)).json()
        assert [(w["start"], w["end"]) for w in first["windows"]] == [(at(6), at(7, 0))]

        # Without maintenance windows the gaps between busy intervals offer back-to-back windows.
        free = await new_change(client, "Swap LB certs", datetime(2055, 3, 6, 10, tzinfo=UTC), hours=3)
        busy = await new_change(client, "LB firmware", datetime(2055, 3, 6, 14, tzinfo=UTC), hours=4,
                                type="standard", submit=True)
        await rows.link(app, free["id"], lb)
        await rows.link(app, busy["id"], lb)
        gaps = (await client.get(f"/change/v1/changes/{free['id']}/next-windows",
                                 params={"after": at(6, 10), "count": 3}, headers=REQUESTER)).json()
        assert gaps["uses_maintenance_windows"] is False
        assert [(w["start"], w["end"]) for w in gaps["windows"]] == [
            (at(6, 10), at(6, 13)), (at(6, 18), at(6, 21)), (at(6, 21), at(7, 0))]
        bad = await client.get(f"/change/v1/changes/{free['id']}/next-windows", params={"count": 0}, headers=REQUESTER)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "count"
        unknown = await client.get(f"/change/v1/changes/{uuid.uuid4()}/next-windows", headers=REQUESTER)
        assert unknown.status_code == 404
