"""Evergreen articles through the API on both databases: review intervals, review dates set on publication, readers'
feedback, the review queue (lowest helpful ratio first), stale articles and the review-due sweep (once per date)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from tandem_knowledge.articles.evergreen import today
from tandem_knowledge.evergreen.task import sweep_once
from tandem_shared.tables import outbox

from tests.support import auth, create_app, running, walk_pages

ALICE = auth("alice", "requester")
KIM = auth("kim", "knowledge_editor")
VERA = auth("vera", "viewer")
WALT = auth("walt", "viewer")


async def _published(client, headers: dict, body: dict) -> str:  # noqa: ANN001
    """Draft, submit and have Kim approve an article; its id."""
    created = await client.post("/knowledge/v1/articles", headers=headers, json={"body": "Some text", **body})
    assert created.status_code == 201, created.text
    aid = created.json()["id"]
    assert (await client.post(f"/knowledge/v1/articles/{aid}/submit", headers=headers)).status_code == 201
    approved = await client.post(f"/knowledge/v1/articles/{aid}/votes", headers=KIM, json={"decision": "approve"})
    assert approved.json()["article_state"] == "published", approved.text
    return aid


async def _due_events(app) -> list[dict]:  # noqa: ANN001
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.payload).where(
            outbox.c.event_type == "knowledge.article.review_due.v1").order_by(outbox.c.seq))).scalars().all()
    return [row["data"] for row in rows]


async def test_intervals_feedback_queue_stale_and_the_sweep(databases, backend, broker):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend),
                     bootstrap=broker.bootstrap, workers=False)
    on = today()
    async with running(app) as client:
        intervals = {i["kind"]: i for i in (await client.get("/knowledge/v1/review-intervals", headers=VERA)).json()}
        assert (intervals["runbook"]["days"], intervals["runbook"]["source"]) == (90, "built_in")
        assert intervals["known_error"]["days"] == 180 and intervals["change_review"]["days"] is None
        assert (await client.put("/knowledge/v1/review-intervals/how_to", headers=ALICE,
                                 json={"days": 30})).status_code == 403
        for bad in ({"days": 0}, {"days": 3651}, {}):
            assert (await client.put("/knowledge/v1/review-intervals/how_to", headers=KIM,
                                     json=bad)).status_code == 422
        put = await client.put("/knowledge/v1/review-intervals/how_to", headers=KIM, json={"days": 30})
        assert (put.json()["days"], put.json()["source"], put.json()["updated_by"]) == (30, "configured", "kim")
        never = await client.put("/knowledge/v1/review-intervals/faq", headers=KIM, json={"days": None})
        assert never.status_code == 200 and never.json()["days"] is None

        how_to = await _published(client, ALICE, {"title": "Reset a password", "kind": "how_to"})
        faq = await _published(client, ALICE, {"title": "Why the VPN drops", "kind": "faq"})
        a = await _published(client, ALICE, {"title": "Restart the gateway", "kind": "runbook", "project_id":
                                             str(uuid.uuid4())})
        b = await _published(client, ALICE, {"title": "Rotate certificates", "kind": "runbook", "owner": "ops"})
        c = await _published(client, ALICE, {"title": "Known error: printer queue", "kind": "known_error"})
        read = (await client.get(f"/knowledge/v1/articles/{how_to}", headers=VERA)).json()
        assert read["review_due"] == (on + timedelta(days=30)).isoformat()
        assert (await client.get(f"/knowledge/v1/articles/{faq}", headers=VERA)).json()["review_due"] is None

        # Feedback: one answer per reader and version, changeable; only published articles take it.
        first = await client.post(f"/knowledge/v1/articles/{a}/feedback", headers=VERA, json={"helpful": True})
        assert first.status_code == 201 and first.json()["summary"] == {"helpful": 1, "not_helpful": 0, "ratio": 1.0}
        etag = (await client.get(f"/knowledge/v1/articles/{a}", headers=VERA)).headers["ETag"]
        changed = await client.post(f"/knowledge/v1/articles/{a}/feedback", headers=VERA,
                                    json={"helpful": False, "comment": "Step 2 is out of date"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["id"] == first.json()["id"] and changed.json()["comment"] == "Step 2 is out of date"
        await client.post(f"/knowledge/v1/articles/{a}/feedback", headers=WALT, json={"helpful": True})
        await client.post(f"/knowledge/v1/articles/{b}/feedback", headers=WALT, json={"helpful": False})
        article = await client.get(f"/knowledge/v1/articles/{a}", headers=VERA)
        assert article.json()["feedback"] == {"helpful": 1, "not_helpful": 1, "ratio": 0.5}
        assert article.headers["ETag"] == etag  # feedback is no edit: editors' If-Match stays valid
        draft = (await client.post("/knowledge/v1/articles", headers=ALICE, json={
            "title": "Unpublished", "kind": "faq"})).json()["id"]
        refused = await client.post(f"/knowledge/v1/articles/{draft}/feedback", headers=VERA, json={"helpful": True})
        assert refused.status_code == 409, refused.text
        mine = (await client.get(f"/knowledge/v1/articles/{a}/feedback", headers=VERA)).json()["items"]
        assert [(f["reader"], f["helpful"]) for f in mine] == [("vera", False)]
        every = (await client.get(f"/knowledge/v1/articles/{a}/feedback", headers=ALICE)).json()["items"]
        assert sorted(f["reader"] for f in every) == ["vera", "walt"]

        # Review dates moved by the owner (applied at once): a is 40 days late (stale), b 1 day, c due today.
        for aid, days in ((a, 40), (b, 1), (c, 0)):
            moved = await client.patch(f"/knowledge/v1/articles/{aid}", headers=ALICE,
                                       json={"review_due": (on - timedelta(days=days)).isoformat()})
            assert moved.status_code == 200 and moved.json()["revision"] is None, moved.text
        assert (await client.get(f"/knowledge/v1/articles/{a}", headers=VERA)).json()["stale"] is True
        assert (await client.get(f"/knowledge/v1/articles/{b}", headers=VERA)).json()["stale"] is False
        stale = (await client.get("/knowledge/v1/articles?stale=true", headers=VERA)).json()["items"]
        assert [s["id"] for s in stale] == [a]
        fresh = (await client.get("/knowledge/v1/articles?stale=false", headers=VERA)).json()["items"]
        fresh = {s["id"] for s in fresh}
        assert a not in fresh and {b, c, faq, how_to, draft} <= fresh

        # The queue: lowest helpful ratio first (b 0, a 0.5), unrated last (c); per owner; as of a date.
        assert await walk_pages(client, "/knowledge/v1/review-queue", VERA, limit=1) == [b, a, c]
        queue = (await client.get("/knowledge/v1/review-queue", headers=VERA)).json()["items"]
        assert [(q["days_overdue"], q["stale"], q["reasons"]) for q in queue] == [
            (1, False, ["due"]), (40, True, ["due", "stale"]), (0, False, ["due"])]
        assert queue[1]["feedback"]["ratio"] == 0.5 and queue[2]["feedback"]["ratio"] is None
        owned = (await client.get("/knowledge/v1/review-queue?owner=ops", headers=VERA)).json()["items"]
        assert [q["id"] for q in owned] == [b]
        earlier = (await client.get(f"/knowledge/v1/review-queue?as_of={(on - timedelta(days=5)).isoformat()}",
                                    headers=VERA)).json()["items"]
        assert [q["id"] for q in earlier] == [a]
        assert (await client.get("/knowledge/v1/review-queue?cursor=bm9wZQ", headers=VERA)).status_code == 422

        # The sweep announces each due article once per review date.
        assert await sweep_once(app.state.runtime.sessionmaker, on=on) == 3
        assert await sweep_once(app.state.runtime.sessionmaker, on=on) == 0
        announced = {e["id"]: e for e in await _due_events(app)}
        assert set(announced) == {a, b, c}
        assert announced[a]["days_overdue"] == 40 and announced[a]["helpful_ratio"] == 0.5
        assert announced[a]["owner"] == "alice" and announced[a]["review_due"] == (on - timedelta(days=40)).isoformat()
        assert announced[c]["helpful_ratio"] is None and announced[b]["owner"] == "ops"

        # The owner confirms it current: a new review date, off the queue; a later due date is announced again.
        confirmed = await client.post(f"/knowledge/v1/articles/{a}/confirm-review", headers=ALICE)
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["review_due"] == (on + timedelta(days=90)).isoformat()
        assert confirmed.json()["stale"] is False
        queue = (await client.get("/knowledge/v1/review-queue", headers=VERA)).json()["items"]
        assert a not in [q["id"] for q in queue]
        assert (await client.post(f"/knowledge/v1/articles/{draft}/confirm-review", headers=ALICE)).status_code == 409
        # b and c were announced for their dates already; a's new date and how_to's first one are due by then.
        assert await sweep_once(app.state.runtime.sessionmaker, on=on + timedelta(days=90)) == 2
        assert sorted(e["id"] for e in (await _due_events(app))[3:]) == sorted([a, how_to])

        # A new version is read afresh: its feedback starts at nothing, and each reader answers it again.
        revised = await client.patch(f"/knowledge/v1/articles/{a}", headers=ALICE, json={"body": "New steps"})
        assert revised.status_code == 200
        await client.post(f"/knowledge/v1/articles/{a}/submit", headers=ALICE)
        await client.post(f"/knowledge/v1/articles/{a}/votes", headers=KIM, json={"decision": "approve"})
        v2 = (await client.get(f"/knowledge/v1/articles/{a}", headers=VERA)).json()
        assert v2["published_version"] == 2 and v2["feedback"] == {"helpful": 0, "not_helpful": 0, "ratio": None}
        again = await client.post(f"/knowledge/v1/articles/{a}/feedback", headers=VERA, json={"helpful": True})
        assert again.status_code == 201 and again.json()["version"] == 2
