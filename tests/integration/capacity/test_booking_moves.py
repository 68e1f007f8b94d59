"""A moved booking's hours leave the old person's weeks and join the new one's, in the heatmap and the alerts."""

from __future__ import annotations

from tests.support import auth, check_episodes_now, create_app, running

MANAGER = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
BASE = "/capacity/v1"


async def _booked(client) -> dict[str, list[float]]:  # noqa: ANN001 - an httpx client
    response = await client.get(f"{BASE}/heatmap?from=2027-01-04&to=2027-01-11", headers=VIEWER)  # W01, W02
    assert response.status_code == 200, response.text
    return {person["name"]: person["booked"] for person in response.json()["people"]}


async def test_a_move_takes_the_hours_along(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        ids = {}
        for name in ("Ana", "Ben"):
            created = await client.post(f"{BASE}/people", headers=MANAGER,
                                        json={"name": name, "team": "Platform", "weekly_hours": 40})
            ids[name] = created.json()["id"]
        booked = await client.post(f"{BASE}/bookings", headers=MANAGER, json={
            "person_id": ids["Ana"], "source": "operations", "source_id": "p1", "kind": "hard",
            "start": "2027-01-04T00:00:00Z", "end": "2027-01-09T00:00:00Z", "hours": 50})
        assert booked.status_code == 201, booked.text
        await check_episodes_now(app)
        assert await _booked(client) == {"Ana": [50, 0], "Ben": [0, 0]}

        moved = await client.post(f"{BASE}/bookings/{booked.json()['id']}/move", headers=MANAGER, json={
            "person_id": ids["Ben"], "start": "2027-01-11T00:00:00Z", "end": "2027-01-16T00:00:00Z", "hours": 20,
            "reason": "replanned"})
        assert moved.status_code == 200, moved.text
        await check_episodes_now(app)
        assert await _booked(client) == {"Ana": [0, 0], "Ben": [0, 20]}
        alerts = (await client.get(f"{BASE}/alerts", headers=VIEWER)).json()["items"]
        assert [(a["person_id"], a["status"]) for a in alerts] == [(ids["Ana"], "cleared")]  # 125 % gone with it

        released = await client.post(f"{BASE}/bookings/{booked.json()['id']}/release", headers=MANAGER,
                                     json={"reason": "done"})
        assert released.status_code == 200, released.text
        assert await _booked(client) == {"Ana": [0, 0], "Ben": [0, 0]}
