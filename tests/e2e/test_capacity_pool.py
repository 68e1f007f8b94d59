"""One capacity pool end to end on `tandem up`: project demand plus an approved change over-allocate a person."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import kpis, ok, wait
from tests.support import auth

pytestmark = pytest.mark.e2e
RM = auth("rita.manager", "resource_manager")
PM = auth("petra.pm", "project_manager")
REQUESTER = auth("sam.requester", "requester")
MANAGER = auth("mo.manager", "change_manager")
CAB = auth("carol.cab", "cab_member", "change_manager")




def test_project_demand_and_change_in_one_week_overallocate_and_metrics_show_it(platform_url: str) -> None:
    with httpx.Client(base_url=platform_url, timeout=10) as client:
        before = kpis(client)
        person = ok(client.post("/capacity/v1/people", headers=RM, json={
            "name": "Omar Overbooked", "team": "Platform", "weekly_hours": 40,
            "skills": [{"name": "kubernetes", "proficiency": 4}]}), 201)

        # Portfolio plans 36 h of the week of 2055-06-07 (ISO week 2055-W23) for this person on a project.
        project = ok(client.post("/portfolio/v1/projects", headers=PM, json={
            "name": "Cluster migration (e2e)", "start_date": "2055-06-01", "go_live_date": "2055-07-30"}), 201)
        ok(client.put(f"/portfolio/v1/projects/{project['id']}/demand", headers=PM, json={"lines": [
            {"role": "Platform engineer", "skill": "kubernetes", "person_id": person["id"], "hours_per_week": 36,
             "start": "2055-06-07", "end": "2055-06-11", "kind": "hard"}]}))
        bookings = f"/capacity/v1/people/{person['id']}/bookings"
        wait(client, lambda c: [b["source"] for b in c.get(bookings, headers=RM).json()["items"]] == ["project"],
             timeout=10)

        # A change in the same week books 10 more hours once approved: 46 of 40 hours.
        body = {"title": "Rotate cluster certificates", "type": "normal", "assignee_id": person["id"],
                "effort_hours": 10, "planned_start": "2055-06-09T08:00:00+00:00",
                "planned_end": "2055-06-09T18:00:00+00:00"}
        change = wait(client, lambda c: (r := c.post("/change/v1/changes", headers=REQUESTER, json=body)
                                         ).status_code == 201 and r.json())
        path = f"/change/v1/changes/{change['id']}"
        ok(client.post(f"{path}/submit", headers=REQUESTER))
        assert ok(client.post(f"{path}/assess", headers=MANAGER, json={}))["risk"] == "low"
        assert ok(client.post(f"{path}/votes", headers=CAB, json={"decision": "approve"}), 201)[
            "change_state"] == "scheduled"

        alerts = wait(client, lambda c: c.get(f"/capacity/v1/alerts?status=open&person_id={person['id']}",
                                              headers=RM).json()["items"], timeout=10)
        assert [(a["kind"], a["first_week"], a["last_week"], a["peak_utilisation"]) for a in alerts] == [
            ("overallocated", "2055-W23", "2055-W23", 1.15)]
        week = ok(client.get(f"/capacity/v1/people/{person['id']}/utilisation?from=2055-06-07&to=2055-06-13",
                              headers=RM))["weeks"][0]
        assert (week["project_hours"], week["change_hours"], week["utilisation"]) == (36, 10, 1.15)

        def metrics_show_it(c: httpx.Client) -> dict[str, float] | None:
            now = kpis(c)
            return now if now["overallocation_episodes"] == before["overallocation_episodes"] + 1 else None
        after = wait(client, metrics_show_it, timeout=10)
        assert after["people_overallocated"] == before["people_overallocated"] + 1

        # Canceling the change ends the episode: published once as cleared, and metrics count one person fewer.
        ok(client.post(f"{path}/cancel", headers=REQUESTER, json={"comment": "moved to the next sprint"}))
        wait(client, lambda c: not c.get(f"/capacity/v1/alerts?status=open&person_id={person['id']}",
                                         headers=RM).json()["items"], timeout=10)
        wait(client, lambda c: kpis(c)["people_overallocated"] == before["people_overallocated"], timeout=10)
