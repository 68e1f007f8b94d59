"""The heatmap follows supply changes (time off, holidays, schedules) and agrees with per-person utilisation."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from tandem_capacity.bookings import service
from tandem_capacity.bookings.rules import iso_weeks
from tandem_capacity.views import service as views
from tandem_capacity.views.repository import PersonFilter
from tandem_shared.api import PageParams
from tandem_shared.uow import UnitOfWork

from tests.support import auth, create_app, running, transaction

MANAGER = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
BASE = "/capacity/v1"
WINDOW = "from=2027-01-04&to=2027-01-18"  # 2027-W01 .. 2027-W03


async def _heatmap(client) -> dict[str, dict]:
    response = await client.get(f"{BASE}/heatmap?{WINDOW}", headers=VIEWER)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json", response.text
    return {person["name"]: person for person in response.json()["people"]}


async def test_heatmap_follows_time_off_holidays_and_schedules(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        people = {}
        for name in ("Ana", "Ben", "Cy"):
            created = await client.post(f"{BASE}/people", headers=MANAGER, json={
                "name": name, "team": "Platform", "weekly_hours": 40, "location": "Berlin"})
            assert created.status_code == 201, created.text
            people[name] = created.json()["id"]
        async with transaction(app) as session:
            # 20 h in each of W01 and W02, and 10 h in W05 (outside the window).
            for start, end, hours in (("2027-01-04", "2027-01-18", 40), ("2027-02-01", "2027-02-06", 10)):
                await service.book(UnitOfWork.of(session), actor="rita", person_id=uuid.UUID(people["Ana"]),
                                   source="project", source_id=f"p-{start}", kind="hard",
                                   start=datetime.fromisoformat(start).replace(tzinfo=UTC),
                                   end=datetime.fromisoformat(end).replace(tzinfo=UTC), hours=hours)
        before = await _heatmap(client)
        assert (before["Ana"]["booked"], before["Ana"]["available"], before["Ana"]["utilisation"]) == (
            [20, 20, 0], [40, 40, 40], [0.5, 0.5, 0])

        off = await client.post(f"{BASE}/people/{people['Ana']}/time-off", headers=MANAGER, json={
            "start_date": "2027-01-04", "end_date": "2027-01-05", "kind": "vacation"})
        assert off.status_code == 201, off.text
        holiday = await client.post(f"{BASE}/holidays", headers=MANAGER, json={"holidays": [
            {"location": "Berlin", "date": "2027-01-06", "name": "Epiphany"}]})
        assert holiday.status_code in (200, 201), holiday.text
        schedule = await client.put(f"{BASE}/people/{people['Ben']}/schedules", headers=MANAGER, json={
            "schedules": [{"effective_from": "2027-01-13", "mon": 8, "tue": 8, "wed": 4, "thu": 0, "fri": 0}]})
        assert schedule.status_code == 200, schedule.text
        after = await _heatmap(client)
        # Ana: two days off and the holiday (Wednesday) in W01; Ben: the holiday, then part time from Wednesday
        # of W02 (8 + 8 + 4 h).
        assert (after["Ana"]["available"], after["Ana"]["utilisation"]) == ([16, 40, 40], [1.25, 0.5, 0])
        assert after["Ben"]["available"] == [32, 20, 20] and after["Cy"]["available"] == [32, 40, 40]

        removed = await client.delete(f"{BASE}/people/{people['Ana']}/time-off/{off.json()['id']}", headers=MANAGER)
        assert removed.status_code == 204
        assert (await _heatmap(client))["Ana"]["available"] == [32, 40, 40]

        # The same numbers as the person's own utilisation.
        mine = await client.get(f"{BASE}/people/{people['Ana']}/utilisation?{WINDOW}", headers=VIEWER)
        assert mine.status_code == 200, mine.text
        heat = (await _heatmap(client))["Ana"]
        assert [(w["booked_hours"], w["available_hours"], w["utilisation"]) for w in mine.json()["weeks"]] == list(
            zip(heat["booked"], heat["available"], heat["utilisation"], strict=True))

        # The route encodes row by row: byte for byte what the whole body encodes to.
        raw = await client.get(f"{BASE}/heatmap?{WINDOW}&limit=2", headers=VIEWER)
        async with transaction(app) as session:
            body = await views.heatmap(session, PersonFilter(), PageParams(limit=2, cursor=None),
                                       iso_weeks(date(2027, 1, 4), date(2027, 1, 18)))
        assert raw.content == views.encode_heatmap(body) and body["next_cursor"]
