"""Over-allocation and burnout-risk episodes reach the capacity topic through the real broker, once each way."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tandem_capacity.bookings import service
from tandem_capacity.loads.models import EpisodeCheck
from tandem_shared.uow import UnitOfWork

from tests.support import auth, check_episodes_now, create_app, eventually, read_topic, running, topic, transaction

MANAGER = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
BASE = "/capacity/v1"
MONDAY = datetime(2027, 1, 4, tzinfo=UTC)  # 2027-W01


async def _book(app, person: uuid.UUID, week: int, hours: float):
    start = MONDAY + timedelta(weeks=week - 1)
    async with transaction(app) as session:
        booking = await service.book(UnitOfWork.of(session), actor="rita", person_id=person, source="project",
                                     source_id=f"w{week}-{hours}", kind="hard", start=start,
                                     end=start + timedelta(days=5), hours=hours)
    await check_episodes_now(app)  # each step's episodes, not just the last one's
    return booking


async def _release(app, booking_id: uuid.UUID) -> None:
    async with transaction(app) as session:
        booking = await service.get_booking(UnitOfWork.of(session), booking_id)
        await service.release_booking(UnitOfWork.of(session), actor="rita", booking=booking, reason="replanned")
    await check_episodes_now(app)


async def test_episodes_are_published_when_they_start_and_end_never_while_they_continue(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                     bootstrap=broker.bootstrap, run_consumer=False)
    async with running(app) as client:
        created = await client.post(f"{BASE}/people", headers=MANAGER,
                                    json={"name": "Ana", "team": "Platform", "weekly_hours": 40})
        ana = uuid.UUID(created.json()["id"])
        first = await _book(app, ana, 1, 45)  # W01 at 112.5 %: over-allocated
        second = await _book(app, ana, 2, 42)  # W02 at 105 %: the same episode goes on
        await _book(app, ana, 3, 38)
        await _book(app, ana, 4, 38)  # four weeks at 90 % or more: burnout risk
        await _release(app, first.id)  # W01 free: over-allocation goes on in W02; burnout run down to 3 weeks
        await _release(app, second.id)  # nothing above 100 % any more
        await _book(app, ana, 6, 36)  # 90 %, not over
        off = await client.post(f"{BASE}/people/{ana}/time-off", headers=MANAGER,
                                json={"start_date": "2027-02-08", "end_date": "2027-02-08", "kind": "sick"})
        assert off.status_code == 201  # W06 now has 32 h available for 36 h booked
        deleted = await client.delete(f"{BASE}/people/{ana}/time-off/{off.json()['id']}", headers=MANAGER)
        assert deleted.status_code == 204

        expected = ["capacity.person.overallocated.v1", "capacity.person.burnout_risk_raised.v1",
                    "capacity.person.burnout_risk_cleared.v1", "capacity.person.overallocation_cleared.v1",
                    "capacity.person.overallocated.v1", "capacity.person.overallocation_cleared.v1"]

        async def published():
            messages = await read_topic(broker.bootstrap, topic("capacity"))
            envelopes = [json.loads(m.value) for m in messages]
            episodes = [e for e in envelopes if e["type"].startswith("capacity.person.") and "episode_id"
                        in e["data"]]
            return episodes if len(episodes) >= len(expected) else None

        episodes = await eventually(published, timeout=20)
        assert [e["type"] for e in episodes] == expected
        assert all(e["subject"] == str(ana) and e["data"]["team"] == "Platform" for e in episodes)
        raised, burnout, burnout_end, cleared = (e["data"] for e in episodes[:4])
        assert (raised["first_week"], raised["last_week"], raised["peak_utilisation"]) == ("2027-W01", "2027-W01",
                                                                                           1.125)
        assert (burnout["first_week"], burnout["last_week"]) == ("2027-W01", "2027-W04")
        assert burnout_end["episode_id"] == burnout["episode_id"]
        assert cleared["episode_id"] == raised["episode_id"] and cleared["last_week"] == "2027-W02"
        supply = episodes[4]["data"]
        assert (supply["first_week"], supply["peak_utilisation"]) == ("2027-W06", 1.125)

        alerts = (await client.get(f"{BASE}/alerts?status=cleared&person_id={ana}", headers=VIEWER)).json()["items"]
        assert sorted(a["kind"] for a in alerts) == ["burnout_risk", "overallocated", "overallocated"]
        assert (await client.get(f"{BASE}/alerts?status=open", headers=VIEWER)).json()["items"] == []


async def test_a_booking_s_episode_check_runs_just_after_its_commit_and_survives_a_stop(databases, backend, broker):
    url = await databases.fresh("capacity", backend)
    # Without workers nothing works off the note, as in a web replica or a process stopped right after the commit.
    web = create_app("capacity", database_url=url, bootstrap=None, workers=False)
    async with running(web) as client:
        created = await client.post(f"{BASE}/people", headers=MANAGER,
                                    json={"name": "Bo", "team": "Platform", "weekly_hours": 40})
        bo = created.json()["id"]
        booked = await client.post(f"{BASE}/bookings", headers=MANAGER, json={
            "person_id": bo, "source": "operations", "source_id": "p1", "kind": "hard",
            "start": "2027-01-04T00:00:00Z", "end": "2027-01-09T00:00:00Z", "hours": 50})
        assert booked.status_code == 201, booked.text
        assert (await client.get(f"{BASE}/alerts?status=open", headers=VIEWER)).json()["items"] == []

    worker = create_app("capacity", database_url=url, bootstrap=broker.bootstrap, run_consumer=False)
    async with running(worker) as client:
        async def alerts(status: str = "open"):
            items = (await client.get(f"{BASE}/alerts?status={status}", headers=VIEWER)).json()["items"]
            return items or None

        left_behind = await eventually(alerts, timeout=10)  # worked off at start-up
        assert [(a["person_id"], a["kind"], a["peak_utilisation"]) for a in left_behind] == [
            (bo, "overallocated", 1.25)]
        booking = (await client.get(f"{BASE}/bookings?person_id={bo}", headers=VIEWER)).json()["items"][0]
        released = await client.post(f"{BASE}/bookings/{booking['id']}/release", headers=MANAGER,
                                     json={"reason": "replanned"})
        assert released.status_code == 200, released.text
        cleared = await eventually(lambda: alerts("cleared"), timeout=10)  # woken by the release's commit
        assert [a["kind"] for a in cleared] == ["overallocated"]
        assert (await client.get(f"{BASE}/alerts?status=open", headers=VIEWER)).json()["items"] == []
        async with transaction(worker) as session:  # every note worked off is gone
            assert (await session.execute(sa.select(sa.func.count()).select_from(EpisodeCheck))).scalar_one() == 0
