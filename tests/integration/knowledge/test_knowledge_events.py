"""Change events reach knowledge through the real broker: failed changes get one review draft, changed CIs flag
their published runbooks, and an edit clears the flag."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_shared.consumer import Delivery
from tandem_shared.contracts.change import ChangeImplemented, CIRetired, CIUpdated
from tandem_shared.events import build_envelope
from tandem_shared.uow import record_event
from tandem_shared.tables import audit_log, inbox, outbox

from tandem_knowledge.articles.models import Article

from tests.support import auth, create_app, eventually, running, topic

EDITOR = auth("kim", "knowledge_editor")
VIEWER = auth("vera", "viewer")
TIMEOUT = 20.0  # the consumer's first group join on the development broker takes a few seconds


def _implemented(change: uuid.UUID, outcome: str, cis: list[str] | None = None) -> ChangeImplemented:
    return ChangeImplemented(
        id=change, type="normal", outcome=outcome, team="Platform", assignee_id=None, risk="high",
        affected_cis=cis or [], project_id=None, actual_start=datetime(2026, 11, 20, 22, tzinfo=UTC),
        actual_end=datetime(2026, 11, 20, 23, 30, tzinfo=UTC), incidents_caused=[2], completed_by="dana",
        state="review", title="Upgrade the core switch")


async def _publish(app, data, actor: str = "dana"):  # noqa: ANN001, ANN202
    """Publish as the change service would, through the knowledge app's own outbox and relay."""
    async with app.state.runtime.sessionmaker() as session, session.begin():
        return await record_event(session, data, actor=actor)


async def _inbox_status(app, event_id: uuid.UUID) -> str | None:  # noqa: ANN001
    async with app.state.runtime.engine.connect() as conn:
        return (await conn.execute(sa.select(inbox.c.status).where(inbox.c.event_id == event_id))).scalar()


async def _articles(client, query: str) -> list[dict]:  # noqa: ANN001
    response = await client.get(f"/knowledge/v1/articles?{query}", headers=VIEWER)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_failed_change_gets_one_review_draft_and_a_successful_one_none(databases, backend, broker):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=broker.bootstrap)
    failed, fine, ci = uuid.uuid4(), uuid.uuid4(), str(uuid.uuid4())
    async with running(app) as client:
        success = await _publish(app, _implemented(fine, "successful"))
        envelope = await _publish(app, _implemented(failed, "failed", [ci]))

        reviews = await eventually(lambda: _articles(client, f"change_id={failed}"), timeout=TIMEOUT)
        assert len(reviews) == 1
        review = reviews[0]
        assert (review["kind"], review["status"], review["author"], review["owner"]) == (
            "change_review", "draft", "tandem", "Platform")
        assert review["title"] == "Post-implementation review: Upgrade the core switch"
        assert review["tags"] == ["change-review", "failed"] and review["ci_ids"] == [ci]
        assert "finished as **Failed**" in review["body"] and "- Incidents caused: P2 (1 in all)" in review["body"]
        assert "## Root cause" in review["body"] and review["needs_refresh"] is False

        # The envelope delivered again (the inbox knows it) and a re-sent event with a new id: still one review.
        consumer = app.state.runtime.consumer
        assert await consumer.handle(Delivery(topic("change"), 0, 10_000, envelope.to_bytes(), None)) == "duplicate"
        again = build_envelope(_implemented(failed, "failed", [ci]), actor="dana")
        assert await consumer.handle(Delivery(topic("change"), 0, 10_001, again.to_bytes(), None)) == "applied"
        assert [a["id"] for a in await _articles(client, f"change_id={failed}")] == [review["id"]]
        # The successful change was consumed too (its own partition, so wait for its inbox row) and drafted nothing.
        assert await eventually(lambda: _inbox_status(app, success.id), timeout=TIMEOUT) == "applied"
        assert await _articles(client, f"change_id={fine}") == []
        assert [a["id"] for a in await _articles(client, "kind=change_review")] == [review["id"]]

        history = (await client.get(f"/knowledge/v1/articles/{review['id']}/history", headers=VIEWER)).json()
        assert [(h["actor"], h["action"], h["to_state"]) for h in history] == [("tandem", "create", "draft")]
        assert history[0]["detail"]["triggered_by"] == "dana" and history[0]["detail"]["outcome"] == "failed"

        async def announced():
            async with app.state.runtime.engine.connect() as conn:
                rows = (await conn.execute(sa.select(outbox).where(
                    outbox.c.event_type == "knowledge.article.created.v1"))).all()
            return rows if rows and all(r.published_at for r in rows) else None

        (created,) = await eventually(announced, timeout=TIMEOUT)
        assert created.payload["actor"] == "tandem"
        assert created.payload["data"] == {
            "id": review["id"], "title": review["title"], "kind": "change_review", "status": "draft",
            "author": "tandem", "project_id": None, "change_id": str(failed)}


async def _runbook(client, app, cis: list[str], *, published: bool = True) -> dict:  # noqa: ANN001
    body = {"title": "Fail over the core switch", "kind": "runbook", "body": "## Steps", "ci_ids": cis}
    created = await client.post("/knowledge/v1/articles", headers=EDITOR, json=body)
    assert created.status_code == 201, created.text
    if published:
        # The review and publish transitions do not exist yet (domain/lifecycle.py): publish in the database.
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(sa.update(Article).where(Article.id == uuid.UUID(created.json()["id"]))
                               .values(status="published"))
    return (await client.get(f"/knowledge/v1/articles/{created.json()['id']}", headers=VIEWER)).json()


async def test_a_changed_ci_flags_its_published_runbooks_and_an_edit_clears_the_flag(databases, backend, broker):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=broker.bootstrap)
    ci, other = str(uuid.uuid4()), str(uuid.uuid4())
    async with running(app) as client:
        linked = await _runbook(client, app, [ci, other])
        unrelated = await _runbook(client, app, [other])
        unpublished = await _runbook(client, app, [ci], published=False)
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
        history = (await client.get(f"/knowledge/v1/articles/{linked['id']}/history", headers=VIEWER)).json()
        assert [(h["actor"], h["action"]) for h in history][-1] == ("tandem", "flag_refresh")

        # A stale edit is refused; a current one makes a new version and clears the flag.
        path = f"/knowledge/v1/articles/{linked['id']}"
        stale = await client.patch(path, headers={**EDITOR, "If-Match": 'W/"1"'}, json={"body": "## Steps\n1."})
        assert stale.status_code == 412, stale.text
        edited = await client.patch(path, headers={**EDITOR, "If-Match": f'W/"{flagged[0]["version"]}"'},
                                    json={"body": "## Steps\n1. Check the DR site", "ci_ids": [ci, ci]})
        assert edited.status_code == 200, edited.text
        after = edited.json()
        assert (after["needs_refresh"], after["refresh_reason"], after["ci_ids"]) == (False, None, [ci])
        assert after["version"] == flagged[0]["version"] + 1 and edited.headers["ETag"] == f'W/"{after["version"]}"'
        assert after["body"] == "## Steps\n1. Check the DR site" and after["title"] == linked["title"]
        assert await _articles(client, "needs_refresh=true") == []

        # Retiring the CI flags it again, with the new reason.
        await _publish(app, CIRetired(id=uuid.UUID(ci), name="core-sw-01", retired_by="olga"), actor="olga")
        again = await eventually(lambda: _articles(client, "needs_refresh=true"), timeout=TIMEOUT)
        assert [(a["id"], a["refresh_reason"]) for a in again] == [
            (linked["id"], "CI core-sw-01 was retired by olga")]
        async with app.state.runtime.engine.connect() as conn:
            actions = (await conn.execute(sa.select(audit_log.c.action).where(
                audit_log.c.entity_id == linked["id"]).order_by(audit_log.c.at, audit_log.c.id))).scalars().all()
        assert actions == ["create", "flag_refresh", "edit", "flag_refresh"]


async def test_edits_are_validated(databases, backend, broker):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend),
                     bootstrap=broker.bootstrap, workers=False)
    async with running(app) as client:
        aid = (await _runbook(client, app, [], published=False))["id"]
        path = f"/knowledge/v1/articles/{aid}"
        cases = [({}, "body"), ({"title": None}, "title"), ({"ci_ids": ["nope"]}, "ci_ids.0"),
                 ({"status": "published"}, "status"), ({"tags": ["x" * 51]}, "tags.0")]
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
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(sa.update(Article).where(Article.id == uuid.UUID(aid)).values(status="retired"))
        retired = await client.patch(path, headers=EDITOR, json={"body": "x"})
        assert retired.status_code == 409 and retired.json()["state"] == "retired", retired.text
