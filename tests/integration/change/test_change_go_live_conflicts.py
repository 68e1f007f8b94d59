"""Project go-live conflicts through the real broker on both databases: portfolio announces a go-live milestone,
change keeps it, and a change to a CI the go-live touches (or to a CI of a business service it touches) inside the
go-live's freeze lists a `project_go_live` conflict; next free windows skip the freeze; moving the go-live moves the
freeze and completing it lifts it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.integration.change import schedule_rows as rows
from tests.support import auth, create_app, eventually, running

REQUESTER = auth("alice", "requester")
MANAGER = auth("bob", "change_manager")
PM = auth("paula", "project_manager")
TIMEOUT = 25.0
# 2055 shares 2027's calendar. The go-live runs Wednesday 10 March 20:00 to Thursday 02:00 UTC; with the default
# freeze of two days either side, changes to what it touches conflict from 8 March 20:00 to 13 March 02:00.
GO_LIVE = datetime(2055, 3, 10, 20, tzinfo=UTC)


def _window(start: datetime, hours: float = 2) -> dict[str, str]:
    return {"planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=hours)).isoformat()}


async def _change(client, title: str, start: datetime, ci: uuid.UUID) -> str:
    created = await client.post("/change/v1/changes", headers=REQUESTER, json={
        "title": title, "type": "normal", "affected_cis": [str(ci)], **_window(start)})
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def _go_live_conflicts(client, change_id: str) -> list[dict]:
    checked = await client.post(f"/change/v1/changes/{change_id}/conflicts/check", headers=MANAGER)
    assert checked.status_code == 200, checked.text
    return [c for c in checked.json()["items"] if c["kind"] == "project_go_live"]


async def test_a_change_in_a_projects_go_live_freeze_conflicts(databases, backend, broker):
    change = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap)
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap, run_consumer=False)
    async with running(change) as ch, running(portfolio) as pf:
        app_ci, web, other = await rows.ci(change, "portal-app"), await rows.ci(change, "web-02"), \
            await rows.ci(change, "hr-app")
        portal = await rows.ci(change, "Customer portal", "business_service")
        await rows.relate(change, portal, web)  # the portal depends on web-02

        pid = (await pf.post("/portfolio/v1/projects", headers=PM, json={
            "name": "Customer portal relaunch", "sponsor": "cfo"})).json()["id"]
        milestones = f"/portfolio/v1/projects/{pid}/milestones"
        go_live = await pf.post(milestones, headers=PM, json={
            "name": "Portal live", "kind": "go_live", "forecast_date": "2055-03-10", "baseline": True,
            "window_start": GO_LIVE.isoformat(), "window_end": (GO_LIVE + timedelta(hours=6)).isoformat(),
            "service_ids": [str(portal)], "ci_ids": [str(app_ci)]})
        assert go_live.status_code == 201, go_live.text

        on_ci = await _change(ch, "Patch portal-app", GO_LIVE - timedelta(days=1, hours=22), app_ci)  # 9 March
        [conflict] = await eventually(lambda: _go_live_conflicts(ch, on_ci), timeout=TIMEOUT)
        assert (conflict["project_id"], conflict["ci_id"]) == (pid, str(app_ci))
        assert conflict["reason"] == (
            f"CI portal-app is touched by project {pid}'s go-live 'Portal live' at 2055-03-10 20:00–2055-03-11 "
            f"02:00 UTC; its freeze of 2 day(s) either side runs 2055-03-08 20:00–2055-03-13 02:00 UTC")

        # Through the business service: web-02 supports the portal the go-live touches.
        below = await _change(ch, "Resize web-02", datetime(2055, 3, 13, 0, tzinfo=UTC), web)
        listed = (await ch.get(f"/change/v1/changes/{below}/conflicts", headers=REQUESTER)).json()["items"]
        assert [(c["kind"], c["ci_id"], c["project_id"]) for c in listed] == [
            ("project_go_live", str(portal), pid)]
        assert listed[0]["reason"].startswith("business service Customer portal is touched by project")
        # Outside the freeze (ends as it begins: half-open), and on a CI the go-live does not touch: nothing.
        after = await _change(ch, "Patch portal-app again", datetime(2055, 3, 13, 2, tzinfo=UTC), app_ci)
        elsewhere = await _change(ch, "Patch HR", GO_LIVE, other)
        for clear in (after, elsewhere):
            assert (await ch.get(f"/change/v1/changes/{clear}/conflicts", headers=REQUESTER)).json()["items"] == []

        # Next free windows skip the freeze.
        proposals = await ch.get(f"/change/v1/changes/{on_ci}/next-windows", headers=REQUESTER,
                                 params={"count": 1, "after": "2055-03-09T00:00:00Z"})
        assert proposals.status_code == 200, proposals.text
        assert proposals.json()["windows"][0]["start"] in ("2055-03-13T02:00:00Z", "2055-03-13T02:00:00+00:00")

        # Re-scheduled a month later: the freeze moves with the window.
        moved = await pf.patch(f"{milestones}/{go_live.json()['id']}", headers=PM, json={
            "forecast_date": "2055-04-10", "window_start": "2055-04-10T20:00:00Z",
            "window_end": "2055-04-11T02:00:00Z"})
        assert moved.status_code == 200, moved.text
        assert await eventually(lambda: _none(ch, on_ci), timeout=TIMEOUT)
        april = await _change(ch, "Patch portal-app in April", datetime(2055, 4, 12, 10, tzinfo=UTC), app_ci)
        [moved_conflict] = await _go_live_conflicts(ch, april)
        assert "at 2055-04-10 20:00–2055-04-11 02:00 UTC" in moved_conflict["reason"]

        # Once the project went live the freeze is lifted.
        done = await pf.post(f"{milestones}/{go_live.json()['id']}/complete", headers=PM, json={})
        assert done.status_code == 200, done.text
        assert await eventually(lambda: _none(ch, april), timeout=TIMEOUT)


async def _none(client, change_id: str) -> bool:
    return await _go_live_conflicts(client, change_id) == []
