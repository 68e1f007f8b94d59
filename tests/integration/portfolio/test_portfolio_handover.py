"""The operations handover through the real broker on both databases: the handover gate waits for operational
readiness measured from change's CMDB and requests, knowledge's articles and capacity's operations bookings (never
ticked by hand), each fact flipping its criterion as it arrives; then only the named service owner accepts the
handover, which measures the transition time and publishes portfolio.project.handover_completed.v1."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tandem_shared.contracts.knowledge import ArticlePublished, ArticleRetired
from tandem_shared.uow import record_event

from tests.integration.change.flows import MANAGER, REQUESTER, act, raise_change, standard_model
from tests.support import auth, create_app, eventually, running

PMO = auth("omar", "pmo")
PM = auth("pia", "project_manager")
OWNER = auth("sofia", "service_owner")
ADMIN = auth("root", "admin")
ANN, BO = auth("ann", "viewer"), auth("bo", "pmo")
RM = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
API = "/portfolio/v1"
TIMEOUT = 25.0
READINESS = ["cis_registered", "runbooks_published", "support_capacity_booked", "go_live_change_approved"]


async def _board(client, gate: str) -> list[str]:
    current = (await client.get(f"{API}/portfolios/default/gates/{gate}", headers=PMO)).json()
    body = {"criteria": current["criteria"], "board": {"members": ["ann", "bo"], "quorum": {"kind": "number",
                                                                                          "value": 2}}}
    assert (await client.put(f"{API}/portfolios/default/gates/{gate}", headers=PMO, json=body)).status_code == 200
    return [c["name"] for c in current["criteria"]]


async def _stage(app, project_id: str, stage: str) -> None:
    # The gates before the handover are another test's business: set the stage as a passed gate would.
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE projects SET stage = :stage WHERE id = :id"),
                           {"stage": stage, "id": uuid.UUID(project_id) if conn.dialect.name == "postgresql"
                            else uuid.UUID(project_id).hex})


async def _publish(app, data) -> None:
    """Publish as knowledge would, through the portfolio app's own outbox and relay."""
    async with app.state.runtime.sessionmaker() as session, session.begin():
        await record_event(session, data, actor="kim")


async def _outbox(app, event_type: str) -> list[dict]:
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY seq"),
                                   {"t": event_type})).all()
    return [row.payload if isinstance(row.payload, dict) else json.loads(row.payload) for row in rows]


def _article(kind: str, *, project: str | None = None, cis: tuple[str, ...] = (), services: tuple[str, ...] = (),
             article_id: uuid.UUID | None = None, version: int = 1) -> ArticlePublished:
    return ArticlePublished(id=article_id or uuid.uuid4(), version=version, title=f"Portal {kind}", kind=kind,
                            author="kim", owner="Service desk", published_by="lee",
                            project_id=uuid.UUID(project) if project else None, ci_ids=list(cis),
                            service_ids=list(services))


async def test_the_handover_gate_waits_for_operational_readiness_and_the_owner_accepts(databases, backend, broker):
    change_url = await databases.fresh("change", backend)
    # Without workers the CMDB's events wait in change's outbox: the project names CIs portfolio has not heard of.
    cmdb_offline = create_app("change", database_url=change_url, bootstrap=broker.bootstrap, workers=False)
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap, run_consumer=False)
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap)
    async with running(cmdb_offline) as cmdb, running(capacity) as cap, running(portfolio) as pf:
        touched = {}
        for name, ci_class in (("Customer portal", "business_service"), ("portal-app", "server")):
            ci = await cmdb.post("/change/v1/cis", headers=MANAGER, json={
                "name": name, "ci_class": ci_class, "criticality": 2, "environment": "production"})
            assert ci.status_code == 201, ci.text
            touched[name] = ci.json()["id"]
        service, app_ci = touched["Customer portal"], touched["portal-app"]

        assert await _board(pf, "handover") == ["service_owner_named", *READINESS]
        assert await _board(pf, "closure") == ["service_owner_named", "service_owner_accepted"]
        created = await pf.post(f"{API}/projects", headers=PM, json={
            "name": "Customer portal relaunch", "sponsor": "sam", "project_manager": "pia",
            "service_owner": "sofia", "support_team": "Service desk", "go_live_date": "2055-06-30",
            "services": [{"id": service, "name": "Customer portal"}], "cis": [{"id": app_ci, "name": "portal-app"}]})
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        await _stage(portfolio, pid, "executing")
        refused = await pf.post(f"{API}/projects/{pid}/handover/accept", headers=OWNER, json={})
        assert refused.status_code == 409 and refused.json()["stage"] == "executing", refused.text

        opened = await pf.post(f"{API}/projects/{pid}/gates/handover/reviews", headers=PM, json={})
        assert opened.status_code == 201, opened.text
        review = opened.json()
        assert review["unmet"] == READINESS, review["criteria"]
        why = {c["name"]: c["why"] for c in review["criteria"]}
        assert why["cis_registered"] == "not in the CMDB: service Customer portal, CI portal-app"
        assert why["support_capacity_booked"] == "no run work or on-call is booked for Service desk from the " \
            "go-live date 2055-06-30"
        votes = f"{API}/projects/{pid}/gates/handover/reviews/{review['id']}/votes"
        assert (await pf.post(votes, headers=ANN, json={"vote": "go"})).status_code == 200
        blocked = await pf.post(votes, headers=BO, json={"vote": "go"})
        assert blocked.status_code == 409 and [c["name"] for c in blocked.json()["unmet_criteria"]] == READINESS
        url = f"{API}/projects/{pid}/gates/handover/reviews/{review['id']}"

        async def unmet(expected: list[str]) -> dict | None:
            current = (await pf.get(url, headers=VIEWER)).json()
            return current if current["unmet"] == expected else None

        async def fact(name: str) -> dict:
            readiness = (await pf.get(f"{API}/projects/{pid}/readiness", headers=VIEWER)).json()
            return next(f for f in readiness["facts"] if f["name"] == name)

        # 1. The CMDB's events arrive (change's relay starts): both touched CIs are registered.
        async with running(create_app("change", database_url=change_url, bootstrap=broker.bootstrap,
                                      run_consumer=False)) as change:
            now = await eventually(lambda: unmet(READINESS[1:]), timeout=TIMEOUT)
            registered = next(c for c in now["criteria"] if c["name"] == "cis_registered")
            assert registered["why"] == ("all 2 touched service(s) and CI(s) are registered in the CMDB: service "
                                         "Customer portal, CI portal-app") and registered["facts"]["since"]
            assert (await fact("cis_registered"))["since"] is not None

            # 2. Knowledge publishes a runbook of the service only (not enough), then a known error of the project.
            await _publish(portfolio, _article("runbook", services=(service,)))
            partial = await eventually(lambda: _why_has(pf, pid, "runbooks_published", "either: CI portal-app"),
                                       timeout=TIMEOUT)
            assert not partial["met"] and partial["details"]["undocumented"] == [app_ci]
            known_error = uuid.uuid4()
            await _publish(portfolio, _article("known_error", project=pid, article_id=known_error))
            await eventually(lambda: unmet(READINESS[2:]), timeout=TIMEOUT)
            assert (await fact("runbooks_published"))["why"] == "known error 'Portal known_error' is published for " \
                "the project"
            # Retired, it no longer counts; published again, it does.
            await _publish(portfolio, ArticleRetired(id=known_error, title="Portal known_error", kind="known_error",
                                              retired_by="kim", project_id=uuid.UUID(pid)))
            await eventually(lambda: unmet(READINESS[1:]), timeout=TIMEOUT)
            await _publish(portfolio, _article("known_error", project=pid, article_id=known_error, version=2))
            await eventually(lambda: unmet(READINESS[2:]), timeout=TIMEOUT)

            # 3. Capacity books run work for the support team: first ending before the go-live, then reaching it.
            member = await cap.post("/capacity/v1/people", headers=RM, json={
                "name": "Omar Ops", "team": "Service desk", "weekly_hours": 40})
            assert member.status_code == 201, member.text
            early = await cap.post("/capacity/v1/operations/run-work", headers=RM, json={
                "team": "Service desk", "hours_per_week": 8, "start": "2055-06-07", "end": "2055-06-25",
                "description": "Portal hypercare rehearsal"})
            assert early.status_code == 201, early.text
            short = await eventually(lambda: _why_has(pf, pid, "support_capacity_booked", "end before it"),
                                     timeout=TIMEOUT)
            assert not short["met"]
            run_work = await cap.post("/capacity/v1/operations/run-work", headers=RM, json={
                "team": "Service desk", "hours_per_week": 8, "start": "2055-06-28", "end": "2055-07-23",
                "description": "Portal run work"})
            assert run_work.status_code == 201, run_work.text
            await eventually(lambda: unmet(READINESS[3:]), timeout=TIMEOUT)
            booked = await fact("support_capacity_booked")
            assert booked["why"].startswith("run work or on-call of Service desk is booked from the go-live date "
                                            "2055-06-30: Omar Ops 32 h") and booked["since"]

            # 4. The go-live change, linked to the project, is approved (a standard change is pre-authorised).
            model = await standard_model(change)
            go_live = await raise_change(change, type="standard", model_id=model, project_id=pid,
                                         affected_cis=[app_ci], title="Portal go-live")
            assert (await act(change, go_live["id"], "submit", REQUESTER))["state"] == "scheduled"
            ready = await eventually(lambda: unmet([]), timeout=TIMEOUT)
            assert ready["all_met"]
            approved = await fact("go_live_change_approved")
            assert approved["met"] and approved["why"].startswith(f"change {go_live['id']} is approved since")
            readiness = (await pf.get(f"{API}/projects/{pid}/readiness", headers=VIEWER)).json()
            assert readiness["ready"] and readiness["acceptance"] is None and readiness["go_live"] == "2055-06-30"
            assert all(f["since"] for f in readiness["facts"])

            passed = await pf.post(votes, headers=BO, json={"vote": "go"})
            assert passed.status_code == 200 and passed.json()["state"] == "passed", passed.text
            assert (await pf.get(f"{API}/projects/{pid}", headers=VIEWER)).json()["stage"] == "transition"

            # The go-live change is implemented two hours before operations accept.
            started, ended = datetime.now(UTC) - timedelta(hours=3), datetime.now(UTC) - timedelta(hours=2)
            await act(change, go_live["id"], "start", MANAGER, {"actual_start": started.isoformat()})
            await act(change, go_live["id"], "complete", MANAGER, {"outcome": "successful",
                                                                   "actual_end": ended.isoformat()})
            await eventually(lambda: _why_has(pf, pid, "go_live_change_approved", "was implemented (successful)"),
                             timeout=TIMEOUT)

        # Only the named service owner accepts (not the project manager, not an admin).
        closure = await pf.post(f"{API}/projects/{pid}/gates/closure/reviews", headers=PM, json={})
        assert closure.status_code == 201 and closure.json()["unmet"] == ["service_owner_accepted"], closure.text
        for headers in (PM, ADMIN, auth("sam", "service_owner")):
            denied = await pf.post(f"{API}/projects/{pid}/handover/accept", headers=headers, json={})
            assert denied.status_code == 403 and denied.json()["reason"] == "not_the_service_owner", denied.text
        accepted = await pf.post(f"{API}/projects/{pid}/handover/accept", headers=OWNER,
                                 json={"comment": "Runbooks reviewed; the service desk takes it."})
        assert accepted.status_code == 201, accepted.text
        acceptance = accepted.json()
        assert (acceptance["accepted_by"], acceptance["go_live_change_id"]) == ("sofia", go_live["id"])
        assert 1.99 <= acceptance["transition_hours"] <= 2.1, acceptance
        again = await pf.post(f"{API}/projects/{pid}/handover/accept", headers=OWNER, json={})
        assert again.status_code == 409 and again.json()["accepted_by"] == "sofia"
        [completed] = await _outbox(portfolio, "portfolio.project.handover_completed.v1")
        data = completed["data"]
        assert completed["subject"] == pid and (data["service_owner"], data["support_team"]) == ("sofia",
                                                                                                 "Service desk")
        assert (data["go_live_change_id"], data["transition_hours"]) == (go_live["id"], acceptance["transition_hours"])
        assert (data["services"], data["cis"]) == ([service], [app_ci])
        assert datetime.fromisoformat(data["implemented_at"]) == datetime.fromisoformat(acceptance["implemented_at"])
        assert (await pf.get(f"{API}/projects/{pid}/readiness", headers=VIEWER)).json()["acceptance"][
            "accepted_by"] == "sofia"

        # The closure gate's acceptance criterion is met now: the board closes the project.
        closure_votes = f"{API}/projects/{pid}/gates/closure/reviews/{closure.json()['id']}/votes"
        for headers in (ANN, BO):
            voted = await pf.post(closure_votes, headers=headers, json={"vote": "go"})
            assert voted.status_code == 200, voted.text
        assert voted.json()["state"] == "passed"
        assert (await pf.get(f"{API}/projects/{pid}", headers=VIEWER)).json()["stage"] == "closed"
        history = [h["action"] for h in (await pf.get(f"{API}/projects/{pid}/history", headers=VIEWER)).json()["items"]]
        assert "accept_handover" in history


async def _why_has(client, pid: str, name: str, words: str) -> dict | None:
    readiness = (await client.get(f"{API}/projects/{pid}/readiness", headers=VIEWER)).json()
    found = next(f for f in readiness["facts"] if f["name"] == name)
    return found if words in found["why"] or words in json.dumps(found["details"]) else None
