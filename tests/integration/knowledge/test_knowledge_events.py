"""Events reach knowledge through the real broker, on both databases, and everything else happens through the API:
a failed change gets one review draft that is reviewed and published; a changed CI flags the published runbooks that
document it; a project entering transition gets a handover draft per delivered service or CI, published for
portfolio's handover gate; a closed project gets a lessons-learned draft offered to the next project's intake."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from tandem_shared.consumer import Delivery
from tandem_shared.contracts.change import (
    ChangeImplemented,
    CICreated,
    CIRelationshipCreated,
    CIRetired,
    CIUpdated,
    MaintenanceWindowCreated,
)
from tandem_shared.contracts.portfolio import (
    BusinessCaseUpdated,
    MilestoneCompleted,
    ProjectCreated,
    ProjectScopeChanged,
    ProjectStageChanged,
    ProjectStatusReported,
    ProjectUpdated,
    RagDimension,
    RiskClosed,
    RiskRaised,
    RiskUpdated,
)
from tandem_shared.events import EventData, build_envelope
from tandem_shared.tables import audit_log, inbox, outbox
from tandem_shared.uow import record_event

from tests.support import auth, create_app, eventually, running, topic

EDITOR = auth("kim", "knowledge_editor")
LEE = auth("lee", "knowledge_editor")
VIEWER = auth("vera", "viewer")
SOFIA = auth("sofia", "service_owner")
PAULA = auth("paula", "project_manager")
TIMEOUT = 20.0  # the consumer's first group join on the development broker takes a few seconds
T0 = datetime(2026, 11, 20, 22, tzinfo=UTC)


def _implemented(change: uuid.UUID, outcome: str, cis: list[str] | None = None,
                 project: uuid.UUID | None = None) -> ChangeImplemented:
    return ChangeImplemented(
        id=change, type="normal", outcome=outcome, team="Platform", assignee_id=None, risk="high",
        affected_cis=cis or [], project_id=project, actual_start=T0,
        actual_end=datetime(2026, 11, 20, 23, 30, tzinfo=UTC), incidents_caused=[2], completed_by="dana",
        state="review", title="Upgrade the core switch")


async def _publish(app, data: EventData, actor: str = "dana"):  # noqa: ANN001, ANN202
    """Publish as the change or portfolio service would, through the knowledge app's own outbox and relay."""
    async with app.state.runtime.sessionmaker() as session, session.begin():
        return await record_event(session, data, actor=actor)


async def _applied(app, *envelopes) -> None:  # noqa: ANN001
    """Wait until the consumer applied these events (events of different topics arrive in no set order)."""
    ids = [e.id for e in envelopes]

    async def done() -> bool:
        async with app.state.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.select(inbox.c.status).where(inbox.c.event_id.in_(ids)))).scalars().all()
        return len(rows) == len(ids) and all(s == "applied" for s in rows)

    await eventually(done, timeout=TIMEOUT)


async def _articles(client, query: str) -> list[dict]:  # noqa: ANN001
    response = await client.get(f"/knowledge/v1/articles?{query}", headers=VIEWER)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _outbox(app, event_type: str) -> list[dict]:  # noqa: ANN001
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.payload).where(outbox.c.event_type == event_type)
                                   .order_by(outbox.c.seq))).scalars().all()
    return [row["data"] for row in rows]


async def _review_and_publish(client, aid: str, author: dict, reviewer: dict = LEE) -> dict:  # noqa: ANN001
    """The author submits; a reviewer who did not write it approves."""
    submitted = await client.post(f"/knowledge/v1/articles/{aid}/submit", headers=author)
    assert submitted.status_code == 201, submitted.text
    approved = await client.post(f"/knowledge/v1/articles/{aid}/votes", headers=reviewer, json={"decision": "approve"})
    assert approved.status_code == 200 and approved.json()["article_state"] == "published", approved.text
    return (await client.get(f"/knowledge/v1/articles/{aid}", headers=VIEWER)).json()


async def test_a_failed_change_is_reviewed_and_the_review_published(databases, backend, broker):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=broker.bootstrap)
    failed, fine, ci, project = uuid.uuid4(), uuid.uuid4(), str(uuid.uuid4()), uuid.uuid4()
    async with running(app) as client:
        success = await _publish(app, _implemented(fine, "successful"))
        envelope = await _publish(app, _implemented(failed, "failed", [ci], project))

        reviews = await eventually(lambda: _articles(client, f"change_id={failed}"), timeout=TIMEOUT)
        assert len(reviews) == 1
        review = reviews[0]
        assert (review["kind"], review["status"], review["author"], review["owner"]) == (
            "change_review", "draft", "tandem", "Platform")
        assert review["title"] == "Post-implementation review: Upgrade the core switch"
        assert review["tags"] == ["change-review", "failed"] and review["ci_ids"] == [ci]
        assert review["project_id"] == str(project) and review["contributors"] == []
        assert "finished as **Failed**" in review["body"] and "- Incidents caused: P2 (1 in all)" in review["body"]
        assert "## Root cause" in review["body"] and review["needs_refresh"] is False

        # The envelope delivered again (the inbox knows it) and a re-sent event with a new id: still one review.
        consumer = app.state.runtime.consumer
        assert await consumer.handle(Delivery(topic("change"), 0, 10_000, envelope.to_bytes(), None)) == "duplicate"
        again = build_envelope(_implemented(failed, "failed", [ci], project), actor="dana")
        assert await consumer.handle(Delivery(topic("change"), 0, 10_001, again.to_bytes(), None)) == "applied"
        assert [a["id"] for a in await _articles(client, f"change_id={failed}")] == [review["id"]]
        # The successful change was consumed too (its own partition, so wait for its inbox row) and drafted nothing.
        await _applied(app, success)
        assert await _articles(client, f"change_id={fine}") == []
        assert [a["id"] for a in await _articles(client, "kind=change_review")] == [review["id"]]

        history = (await client.get(f"/knowledge/v1/articles/{review['id']}/history", headers=VIEWER)).json()["items"]
        assert [(h["actor"], h["action"], h["to_state"]) for h in history] == [("tandem", "create", "draft")]
        assert history[0]["detail"]["triggered_by"] == "dana" and history[0]["detail"]["outcome"] == "failed"
        (created,) = await _outbox(app, "knowledge.article.created.v1")
        assert created == {
            "id": review["id"], "title": review["title"], "kind": "change_review", "status": "draft",
            "author": "tandem", "project_id": str(project), "change_id": str(failed)}

        # The team's editor fills in the review and submits it; having written it, Kim cannot approve it; Lee does.
        path = f"/knowledge/v1/articles/{review['id']}"
        body = review["body"].replace("_Why the change did not succeed._", "The firmware image was corrupt.")
        filled = await client.patch(path, headers=EDITOR, json={"body": body})
        assert filled.status_code == 200 and filled.json()["contributors"] == ["kim"], filled.text
        assert (await client.post(f"{path}/submit", headers=EDITOR)).status_code == 201
        own = await client.post(f"{path}/votes", headers=EDITOR, json={"decision": "approve"})
        assert own.status_code == 403 and own.json()["reason"] == "own_article"
        assert (await client.post(f"{path}/votes", headers=LEE, json={"decision": "approve"})).status_code == 200
        published = (await client.get(path, headers=VIEWER)).json()
        assert (published["status"], published["published_version"], published["review_due"]) == (
            "published", 1, None)  # a review is a record: never due
        (event,) = await _outbox(app, "knowledge.article.published.v1")
        assert event == {
            "id": review["id"], "version": 1, "title": review["title"], "kind": "change_review",
            "tags": ["change-review", "failed"], "author": "tandem", "owner": "Platform", "published_by": "lee",
            "project_id": str(project), "change_id": str(failed), "ci_ids": [ci], "service_ids": []}


async def _runbook(client, cis: list[str], *, published: bool = True) -> dict:  # noqa: ANN001
    """A runbook drafted by Kim and, unless told otherwise, reviewed by Lee and published, all through the API."""
    body = {"title": "Fail over the core switch", "kind": "runbook", "body": "## Steps", "ci_ids": cis}
    created = await client.post("/knowledge/v1/articles", headers=EDITOR, json=body)
    assert created.status_code == 201, created.text
    if published:
        return await _review_and_publish(client, created.json()["id"], EDITOR)
    return created.json()


async def test_a_changed_ci_flags_its_published_runbooks_until_a_new_version(databases, backend, broker):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=broker.bootstrap)
    ci, other = str(uuid.uuid4()), str(uuid.uuid4())
    async with running(app) as client:
        linked = await _runbook(client, [ci, other])
        unrelated = await _runbook(client, [other])
        unpublished = await _runbook(client, [ci], published=False)
        assert (linked["status"], linked["ci_ids"], linked["needs_refresh"]) == ("published", [ci, other], False)
        assert [a["id"] for a in await _articles(client, f"ci_id={ci}")] == [unpublished["id"], linked["id"]]

        await _publish(app, CIUpdated(id=uuid.UUID(ci), name="core-sw-01", changed_fields=["environment"],
                                      changes={"environment": "dr"}, version=2, updated_by="olga"), actor="olga")

        flagged = await eventually(lambda: _articles(client, "needs_refresh=true"), timeout=TIMEOUT)
        assert [a["id"] for a in flagged] == [linked["id"]]
        assert flagged[0]["refresh_reason"] == "CI core-sw-01 was updated by olga (environment)"
        assert flagged[0]["version"] == linked["version"] + 1
        assert {a["id"] for a in await _articles(client, "needs_refresh=false")} == {
            unrelated["id"], unpublished["id"]}
        history = (await client.get(f"/knowledge/v1/articles/{linked['id']}/history", headers=VIEWER)).json()["items"]
        assert [(h["actor"], h["action"]) for h in history][-1] == ("tandem", "flag_refresh")
        queue = (await client.get("/knowledge/v1/review-queue?owner=kim", headers=VIEWER)).json()["items"]
        assert [(q["id"], q["reasons"]) for q in queue] == [(linked["id"], ["needs_refresh"])]

        # A stale edit is refused; a current one starts a revision, and readers' version stays flagged until the
        # revision is published.
        path = f"/knowledge/v1/articles/{linked['id']}"
        stale = await client.patch(path, headers={**EDITOR, "If-Match": 'W/"1"'}, json={"body": "## Steps\n1."})
        assert stale.status_code == 412, stale.text
        edited = await client.patch(path, headers={**EDITOR, "If-Match": f'W/"{flagged[0]["version"]}"'},
                                    json={"body": "## Steps\n1. Check the DR site", "ci_ids": [ci, ci]})
        assert edited.status_code == 200, edited.text
        after = edited.json()
        assert (after["needs_refresh"], after["revision"]["ci_ids"], after["body"]) == (True, [ci], "## Steps")
        assert edited.headers["ETag"] == f'W/"{after["version"]}"' and after["version"] == flagged[0]["version"] + 1
        assert (await client.post(f"{path}/submit", headers=EDITOR)).status_code == 201
        assert (await client.post(f"{path}/votes", headers=LEE, json={"decision": "approve"})).status_code == 200
        v2 = (await client.get(path, headers=VIEWER)).json()
        assert (v2["needs_refresh"], v2["refresh_reason"], v2["ci_ids"]) == (False, None, [ci])
        assert (v2["published_version"], v2["body"]) == (2, "## Steps\n1. Check the DR site")
        assert await _articles(client, "needs_refresh=true") == []

        # Retiring the CI flags it again, with the new reason; the owner confirms it current.
        await _publish(app, CIRetired(id=uuid.UUID(ci), name="core-sw-01", retired_by="olga"), actor="olga")
        again = await eventually(lambda: _articles(client, "needs_refresh=true"), timeout=TIMEOUT)
        assert [(a["id"], a["refresh_reason"]) for a in again] == [
            (linked["id"], "CI core-sw-01 was retired by olga")]
        confirmed = await client.post(f"{path}/confirm-review", headers=EDITOR)
        assert confirmed.status_code == 200 and confirmed.json()["needs_refresh"] is False, confirmed.text
        async with app.state.runtime.engine.connect() as conn:
            actions = (await conn.execute(sa.select(audit_log.c.action).where(
                audit_log.c.entity_id == linked["id"]).order_by(audit_log.c.at, audit_log.c.id))).scalars().all()
        assert actions == ["create", "submit", "review_vote", "publish", "flag_refresh", "revise", "edit", "submit",
                           "review_vote", "publish", "flag_refresh", "confirm_review"]


async def test_edits_are_validated(databases, backend, broker):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend),
                     bootstrap=broker.bootstrap, workers=False)
    async with running(app) as client:
        aid = (await _runbook(client, [], published=False))["id"]
        path = f"/knowledge/v1/articles/{aid}"
        cases = [({}, "body"), ({"title": None}, "title"), ({"ci_ids": ["nope"]}, "ci_ids.0"),
                 ({"status": "published"}, "status"), ({"tags": ["x" * 51]}, "tags.0"),
                 ({"service_ids": None}, "service_ids"), ({"kind": "poem"}, "kind")]
        for body, field in cases:
            response = await client.patch(path, headers=EDITOR, json=body)
            assert response.status_code == 422, (body, response.text)
            assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
        assert (await client.patch(path, headers=VIEWER, json={"body": "x"})).status_code == 403
        missing = await client.patch(f"/knowledge/v1/articles/{uuid.uuid4()}", headers=EDITOR, json={"body": "x"})
        assert missing.status_code == 404
        unchanged = await client.get(path, headers=VIEWER)
        assert unchanged.json()["version"] == 1
        filtered = await client.get("/knowledge/v1/articles?ci_id=nope", headers=VIEWER)
        assert filtered.status_code == 422
        assert (await client.post(f"{path}/retire", headers=EDITOR)).status_code == 200
        retired = await client.patch(path, headers=EDITOR, json={"body": "x"})
        assert retired.status_code == 409 and retired.json()["state"] == "retired", retired.text


def _cmdb() -> tuple[dict[str, uuid.UUID], list[EventData]]:
    """A business service running on an app server on a database, a batch host alone, and a window on the database."""
    ids = {name: uuid.uuid4() for name in ("payments", "app", "db", "batch")}
    events: list[EventData] = [
        CICreated(id=ids["payments"], name="Payments", ci_class="business_service", criticality=1,
                  environment="production", owner_team="Payments", service_owner="sofia", min_up=None,
                  status="active", created_by="olga"),
        CICreated(id=ids["app"], name="pay-app-01", ci_class="server", criticality=2, environment="production",
                  owner_team="Platform", service_owner=None, min_up=None, status="active", created_by="olga"),
        CICreated(id=ids["db"], name="pay-db-01", ci_class="database", criticality=1, environment="production",
                  owner_team="DBA", service_owner=None, min_up=None, status="active", created_by="olga"),
        CICreated(id=ids["batch"], name="batch-01", ci_class="server", criticality=3, environment="production",
                  owner_team="Platform", service_owner=None, min_up=None, status="active", created_by="olga"),
        CIRelationshipCreated(id=uuid.uuid4(), source_id=ids["payments"], target_id=ids["app"], type="depends_on",
                              created_by="olga"),
        CIRelationshipCreated(id=uuid.uuid4(), source_id=ids["app"], target_id=ids["db"], type="runs_on",
                              created_by="olga"),
        MaintenanceWindowCreated(id=uuid.uuid4(), ci_id=ids["db"], rrule="FREQ=WEEKLY;BYDAY=SU",
                                 starts_at=datetime(2027, 1, 3, 2, tzinfo=UTC), duration_minutes=120,
                                 created_by="olga"),
    ]
    return ids, events


def _project(project: uuid.UUID, ids: dict[str, uuid.UUID]) -> list[EventData]:
    return [
        ProjectCreated(id=project, name="Payments relaunch", category="grow", stage="proposed", sponsor="cfo",
                       start_date=date(2026, 9, 1), go_live_date=date(2027, 2, 1), created_by="paula"),
        ProjectUpdated(id=project, changed={
            "project_manager": "paula", "service_owner": "sofia", "support_team": "Service desk L2",
            "services": [{"id": str(ids["payments"]), "name": "Payments"}],
            "cis": [{"id": str(ids["app"]), "name": "pay-app-01"}, {"id": str(ids["batch"]), "name": "batch-01"}]},
            updated_by="paula", version=2),
    ]


def _stage(project: uuid.UUID, before: str, after: str) -> ProjectStageChanged:
    return ProjectStageChanged(id=project, from_stage=before, to_stage=after, by="pmo-lead", reason=None,
                               gate="handover" if after == "transition" else "closure", at=T0)


async def test_a_project_entering_transition_gets_handover_drafts_published_for_its_gate(databases, backend, broker):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=broker.bootstrap)
    project = uuid.uuid4()
    ids, cmdb_events = _cmdb()
    async with running(app) as client:
        known = [await _publish(app, e, actor="olga") for e in cmdb_events + _project(project, ids)]
        await _applied(app, *known)
        stage = await _publish(app, _stage(project, "executing", "transition"), actor="pmo-lead")

        drafts = await eventually(lambda: _articles(client, f"project_id={project}&kind=handover&sort=title"),
                                  timeout=TIMEOUT)
        assert [d["title"] for d in drafts] == ["Handover: Payments (Payments relaunch)",
                                                "Handover: batch-01 (Payments relaunch)"]
        service, batch = drafts
        assert (service["owner"], service["author"], service["status"], service["tags"]) == (
            "sofia", "tandem", "draft", ["handover"])
        assert service["ci_ids"] == [str(ids["payments"]), str(ids["app"]), str(ids["db"])]
        assert service["service_ids"] == [str(ids["payments"])] and batch["service_ids"] == []
        assert batch["ci_ids"] == [str(ids["batch"])]
        body = service["body"]
        assert "entered transition" in body and "- Service owner: sofia" in body
        assert "- Support team: Service desk L2" in body and "- Go-live: 2027-02-01" in body
        assert "| `pay-db-01` | database | 1 | production | DBA | active |" in body
        assert "- `Payments` depends on `pay-app-01`" in body and "- `pay-app-01` runs on `pay-db-01`" in body
        assert "- `pay-db-01`: `FREQ=WEEKLY;BYDAY=SU` from 2027-01-03T02:00:00+00:00, 120 min" in body

        # The same stage change again, with a new id: no second draft.
        again = build_envelope(_stage(project, "executing", "transition"), actor="pmo-lead")
        consumer = app.state.runtime.consumer
        assert await consumer.handle(Delivery(topic("portfolio"), 0, 10_000, again.to_bytes(), None)) == "applied"
        await _applied(app, stage)
        assert len(await _articles(client, f"project_id={project}&kind=handover")) == 2

        # The service owner completes it and submits; a knowledge editor approves; portfolio hears of it.
        path = f"/knowledge/v1/articles/{service['id']}"
        filled = await client.patch(path, headers=SOFIA, json={"body": body.replace(
            "_Start, stop and restart; health checks; routine tasks and their schedule._", "Restart with systemctl.")})
        assert filled.status_code == 200, filled.text
        assert (await client.patch(f"/knowledge/v1/articles/{batch['id']}", headers=PAULA,
                                   json={"body": "x"})).status_code == 403  # not its owner
        published = await _review_and_publish(client, service["id"], SOFIA, reviewer=EDITOR)
        assert published["review_due"] is not None
        (event,) = await _outbox(app, "knowledge.article.published.v1")
        assert (event["id"], event["kind"], event["project_id"], event["published_by"]) == (
            service["id"], "handover", str(project), "kim")
        assert event["ci_ids"] == [str(ids["payments"]), str(ids["app"]), str(ids["db"])]
        assert event["service_ids"] == [str(ids["payments"])] and event["owner"] == "sofia"

        async def sent():
            async with app.state.runtime.engine.connect() as conn:
                row = (await conn.execute(sa.select(outbox.c.published_at).where(
                    outbox.c.event_type == "knowledge.article.published.v1"))).first()
            return row is not None and row.published_at is not None

        await eventually(sent, timeout=TIMEOUT)


async def test_a_closed_project_gets_lessons_learned_offered_to_the_next_intake(databases, backend, broker):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=broker.bootstrap)
    project, change, risk, other_risk = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ids, cmdb_events = _cmdb()

    def risk_facts(rid: uuid.UUID, status: str) -> dict:
        return {"id": rid, "project_id": project, "kind": "risk", "title": f"Risk {status}", "probability": 3,
                "impact": 4, "score": 12, "status": status, "owner": "paula"}

    facts: list[EventData] = [
        MilestoneCompleted(id=uuid.uuid4(), project_id=project, name="Design signed off", kind="milestone",
                           baseline_date=date(2026, 10, 1), forecast_date=date(2026, 10, 9),
                           actual_date=date(2026, 10, 11), slip_days=10, slip_working_days=8, completed_by="paula"),
        MilestoneCompleted(id=uuid.uuid4(), project_id=project, name="Go-live", kind="go_live",
                           baseline_date=date(2027, 2, 1), forecast_date=date(2027, 2, 1),
                           actual_date=date(2027, 2, 1), slip_days=0, slip_working_days=0, completed_by="paula"),
        BusinessCaseUpdated(project_id=project, currency="EUR", discount_rate=0.08, horizon_start="2026-09",
                            total_capex=Decimal("100000"), total_opex=Decimal("20000"),
                            total_costs=Decimal("120000"), total_benefits=Decimal("300000"), npv=Decimal("150000.5"),
                            irr=0.4, irr_roots=[0.4], irr_ambiguous=False, roi=1.5, payback_months=14,
                            discounted_payback_months=16, months=[], updated_by="paula"),
        ProjectStatusReported(project_id=project, report_id=uuid.uuid4(), week="2027-W05", overall="amber",
                              dimensions=[RagDimension(
                                  dimension="budget", colour="amber", computed_colour="amber", overridden=False,
                                  explanation="actual 110,000.00 EUR against planned 100,000.00 EUR to date",
                                  facts={"planned_to_date": "100000", "actual_to_date": "110000", "currency": "EUR",
                                         "overrun_percent": 10.0})],
                              open_milestones=0, top_risks=[], reported_by="paula"),
        ProjectScopeChanged(project_id=project, scope_change_id=uuid.uuid4(), description="Add Apple Pay",
                            schedule_impact_days=5, cost_impact=Decimal("8000"), currency="EUR", approved_changes=1,
                            total_cost_impact=Decimal("8000"), approved_by="cfo"),
        RiskRaised(**risk_facts(risk, "open"), source="manual", source_explanation=None, raised_by="paula"),
        RiskUpdated(**risk_facts(risk, "occurred"), changed=["status"], updated_by="paula"),
        RiskClosed(**risk_facts(risk, "closed"), previous_status="occurred", closed_by="paula"),
        RiskRaised(**risk_facts(other_risk, "open"), source="manual", source_explanation=None, raised_by="paula"),
        _implemented(change, "backed_out", [str(ids["app"])], project),
    ]
    async with running(app) as client:
        known = [await _publish(app, e, actor="paula") for e in cmdb_events + _project(project, ids) + facts]
        await _applied(app, *known)
        closed = await _publish(app, _stage(project, "transition", "closed"), actor="pmo-lead")

        (lessons,) = await eventually(lambda: _articles(client, f"project_id={project}&kind=lessons_learned"),
                                      timeout=TIMEOUT)
        assert (lessons["title"], lessons["owner"], lessons["tags"]) == (
            "Lessons learned: Payments relaunch", "paula", ["lessons-learned", "grow"])
        assert lessons["service_ids"] == [str(ids["payments"])]
        assert lessons["ci_ids"] == [str(ids["app"]), str(ids["batch"])]
        body = lessons["body"]
        assert "- 2 milestone(s) reached; 1 late against the baseline by 10 day(s) in all." in body
        assert "- Worst slip: Design signed off, 10 day(s) (2026-10-01 → 2026-10-11)." in body
        assert "| Design signed off | 2026-10-01 | 2026-10-11 | 10 |" in body
        assert "costs 120,000.00 EUR (capex 100,000.00 EUR, opex 20,000.00 EUR)" in body and "ROI 150.0 %" in body
        assert ("- Last status report (2027-W05): budget **amber** — actual 110,000.00 EUR against planned "
                "100,000.00 EUR to date (+10.0 %).") in body
        assert "- 1 approved scope change(s), +5 day(s) of schedule impact in all:" in body
        assert "  - Add Apple Pay (+5 days, cost 8,000.00 EUR)" in body
        assert "- Risk closed (risk, score 12, owner paula, now closed)" in body and "Risk open" not in body
        review = (await _articles(client, f"change_id={change}"))[0]
        assert (f"  - Upgrade the core switch (`{change}`): backed_out — review: “{review['title']}” (draft, "
                f"article `{review['id']}`)") in body

        # Re-sent with a new id: still one draft.
        again = build_envelope(_stage(project, "transition", "closed"), actor="pmo-lead")
        assert await app.state.runtime.consumer.handle(
            Delivery(topic("portfolio"), 0, 10_000, again.to_bytes(), None)) == "applied"
        await _applied(app, closed)
        assert len(await _articles(client, f"project_id={project}&kind=lessons_learned")) == 1

        # Unpublished lessons are not offered; published ones are, to a project touching the same service.
        query = f"/knowledge/v1/lessons?service_id={ids['payments']}"
        assert (await client.get(query, headers=VIEWER)).json() == []
        await _review_and_publish(client, lessons["id"], PAULA, reviewer=EDITOR)
        offered = (await client.get(query + f"&ci_id={ids['batch']}&category=Grow", headers=VIEWER)).json()
        assert [(o["id"], o["matched_on"]) for o in offered] == [(lessons["id"], [
            f"service:{ids['payments']}", f"ci:{ids['batch']}", "category:grow"])]
        assert offered[0]["project_id"] == str(project) and offered[0]["stale"] is False
        assert (await client.get(f"/knowledge/v1/lessons?service_id={uuid.uuid4()}", headers=VIEWER)).json() == []
        assert (await client.get("/knowledge/v1/lessons", headers=VIEWER)).status_code == 422
