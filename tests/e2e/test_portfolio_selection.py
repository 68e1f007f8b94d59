"""Capacity-aware portfolio selection end to end on `tandem up`: capacity's snapshot reaches portfolio's outlook, a
run plans two projects against a skill only one person has, and committing it resumes the better one (capacity
books it again) and defers the other (capacity cancels its role request). Only this test's projects compete, so the
demo portfolio is untouched; the demo's own saved scenarios are checked too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.helpers import ok, wait
from tests.support import auth

pytestmark = pytest.mark.e2e

API = "/portfolio/v1"
RUN = uuid.uuid4().hex[:6]
SKILL = f"selection-e2e-{RUN}"  # a skill only this test's person has
PMO = auth("omar.pmo", "pmo")
RM = auth("rita.manager", "resource_manager")
VIEWER = auth("vera.viewer", "viewer")
TODAY = datetime.now(UTC).date()
START = TODAY - timedelta(days=TODAY.weekday()) + timedelta(weeks=3)


def week(day) -> str:  # noqa: ANN001
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def project(client: httpx.Client, name: str, benefit: str, line: dict) -> str:
    pid = ok(client.post(f"{API}/projects", headers=PMO, json={
        "name": f"{name} (e2e)", "sponsor": "sam.sponsor", "category": "grow", "stage": "proposed"}), 201)["id"]
    month = f"{TODAY.year + 1}-01"
    ok(client.put(f"{API}/projects/{pid}/business-case", headers=PMO, json={
        "currency": "EUR", "discount_rate": 0.05, "horizon_start": month, "lines": [
            {"month": month, "kind": "capex", "amount": "10000.00"},
            {"month": month, "kind": "benefit", "amount": benefit}]}))
    ok(client.put(f"{API}/projects/{pid}/demand", headers=PMO, json={"lines": [line]}))
    return pid


def bookings(client: httpx.Client, pid: str, status: str) -> list[dict]:
    return ok(client.get(f"/capacity/v1/bookings?source=project&source_id={pid}&status={status}", headers=RM))[
        "items"]


def requests_of(client: httpx.Client, pid: str) -> list[str]:
    return [r["status"] for r in ok(client.get(f"/capacity/v1/role-requests?project_id={pid}", headers=RM))["items"]]


def test_a_selection_planned_on_capacitys_snapshot_is_committed_and_capacity_follows(platform_url: str) -> None:
    with httpx.Client(base_url=platform_url, timeout=30) as client:
        # The demo saved two scenarios: the base case and a what-if.
        demo = ok(client.get(f"{API}/selections?limit=200", headers=VIEWER))["items"]
        assert {"Base case", "What if: one more Python developer"} <= {s["name"] for s in demo}
        base = next(s for s in demo if s["name"] == "Base case")
        assert (base["status"], base["selected_count"] > 0) == ("done", True), base

        dana = ok(client.post("/capacity/v1/people", headers=RM, json={
            "name": f"Dana {RUN}", "team": "Data", "weekly_hours": 40,
            "skills": [{"name": SKILL, "proficiency": 4}]}), 201)["id"]
        end = str(START + timedelta(weeks=3, days=-3))
        keep = project(client, f"Keep {RUN}", "500000.00", {"role": "DBA", "skill": SKILL, "hours_per_week": 30,
                                                           "start": str(START), "end": end, "person_id": dana})
        drop = project(client, f"Drop {RUN}", "200000.00", {"role": "DBA", "skill": SKILL, "hours_per_week": 30,
                                                           "start": str(START), "end": end})
        wait(client, lambda c: bookings(c, keep, "active"))
        wait(client, lambda c: requests_of(c, drop) == ["open"])
        ok(client.post(f"{API}/projects/{keep}/defer", headers=PMO, json={"reason": "Until the review"}), 201)
        wait(client, lambda c: bookings(c, keep, "released") and not bookings(c, keep, "active"))

        # Capacity's snapshot reaches portfolio with the new skill: Dana's 40 h, all free once Keep was released.
        def outlook(c: httpx.Client) -> dict | None:
            answer = c.get(f"{API}/capacity-outlook", headers=VIEWER)
            if answer.status_code != 200:
                return None
            skill = next((s for s in answer.json()["skills"] if s["skill"] == SKILL), None)
            free = {w["week"]: w["free_hours"] for w in skill["weeks"]} if skill else {}
            return answer.json() if free.get(week(START)) == 40 else None

        wait(client, outlook, timeout=30)

        run = ok(client.post(f"{API}/selections", headers=PMO, json={
            "name": f"Keep or drop {RUN}", "candidates": {"project_ids": [keep, drop]},
            "default_window_weeks": 0}), 201)
        assert run["status"] == "done" and run["result"]["solver_status"] == "optimal"
        assert [p["project_id"] for p in run["result"]["selected"]] == [keep]
        [left_out] = run["result"]["excluded"]
        assert (left_out["project_id"], left_out["binding"]["kind"], left_out["binding"]["skill"]) == (
            drop, "capacity", SKILL)

        committed = ok(client.post(f"{API}/selections/{run['id']}/commit", headers=PMO, json={}))
        assert {(p["project_id"], p["action"]) for p in committed["projects"]} == {(keep, "resume"),
                                                                                   (drop, "defer")}
        wait(client, lambda c: bookings(c, keep, "active"))
        wait(client, lambda c: requests_of(c, drop) == ["canceled"])
        assert ok(client.get(f"{API}/projects/{drop}", headers=VIEWER))["stage"] == "on_hold"
