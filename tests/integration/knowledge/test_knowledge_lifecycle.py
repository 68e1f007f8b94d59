"""The article lifecycle through the API on both databases: review by the shared quorum, publication, revisions that
leave the published version readable, versions and diffs, retirement, ownership, If-Match and 409s."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from tandem_knowledge.articles.evergreen import today
from tandem_shared.tables import outbox

from tests.support import auth, create_app, eventually, running

ALICE = auth("alice", "requester")
BOB = auth("bob", "requester")
KIM = auth("kim", "knowledge_editor")
LEE = auth("lee", "knowledge_editor")
OLA = auth("ola", "knowledge_editor")
ZED = auth("zed", "knowledge_editor")
VERA = auth("vera", "viewer")
CI, SERVICE, PROJECT = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
RUNBOOK = {"title": "Fail over the payment database", "kind": "runbook", "tags": ["payments"],
           "body": "## Steps\n1. Stop writes\n2. Promote the replica\n3. Point the app at it",
           "ci_ids": [CI], "service_ids": [SERVICE], "project_id": PROJECT}


def _app(url: str, broker):  # noqa: ANN001, ANN202
    return create_app("knowledge", database_url=url, bootstrap=broker.bootstrap, run_consumer=False)


def _if(response) -> dict[str, str]:  # noqa: ANN001
    return {"If-Match": response.headers["ETag"]}


async def _events(app, event_type: str) -> list[dict]:  # noqa: ANN001
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.payload).where(outbox.c.event_type == event_type)
                                   .order_by(outbox.c.seq))).scalars().all()
    return [row["data"] for row in rows]


async def test_a_runbook_is_reviewed_published_revised_and_diffed(databases, backend, broker):
    app = _app(await databases.fresh("knowledge", backend), broker)
    async with running(app) as client:
        created = await client.post("/knowledge/v1/articles", headers=ALICE, json=RUNBOOK)
        assert created.status_code == 201, created.text
        aid = created.json()["id"]
        path = f"/knowledge/v1/articles/{aid}"
        assert created.json()["workflow_state"] == "draft" and created.json()["contributors"] == ["alice"]

        # Only the author, the owner or an editor edit; If-Match guards against stale writes.
        assert (await client.patch(path, headers=BOB, json={"body": "x"})).status_code == 403
        stale = await client.patch(path, headers={**ALICE, "If-Match": 'W/"0"'}, json={"body": "x"})
        assert stale.status_code == 412, stale.text
        edited = await client.patch(path, headers={**ALICE, **_if(created)},
                                    json={"body": RUNBOOK["body"] + "\n4. Check replication"})
        assert edited.status_code == 200 and edited.json()["version"] == 2, edited.text

        # Nothing to vote on yet: 409 names what a draft allows.
        early = await client.post(f"{path}/votes", headers=KIM, json={"decision": "approve"})
        assert early.status_code == 409 and early.json()["allowed_transitions"] == ["edit", "retire", "submit"]

        submitted = await client.post(f"{path}/submit", headers={**ALICE, **_if(edited)},
                                      json={"comment": "Ready for review"})
        assert submitted.status_code == 201, submitted.text
        review = submitted.json()
        assert (review["state"], review["version"], review["open_group"], review["authors"]) == (
            "open", 1, True, ["alice"])
        assert review["quorum"] == {"kind": "number", "value": 1} and review["article_state"] == "in_review"
        assert submitted.headers["Location"] == f"{path}/reviews/{review['id']}"
        frozen = await client.patch(path, headers=ALICE, json={"title": "Changed under review"})
        assert frozen.status_code == 409 and frozen.json()["allowed_transitions"] == ["vote", "withdraw"]

        # The author never approves her own article; a viewer is no reviewer; a rejection says why.
        own = await client.post(f"{path}/votes", headers=auth("alice", "requester", "knowledge_editor"),
                                json={"decision": "approve"})
        assert own.status_code == 403 and own.json()["reason"] == "own_article", own.text
        assert "never approves their own article" in own.json()["detail"]
        viewer = await client.post(f"{path}/votes", headers=VERA, json={"decision": "approve"})
        assert viewer.status_code == 403 and viewer.json()["reason"] == "not_a_reviewer"
        silent = await client.post(f"{path}/votes", headers=KIM, json={"decision": "reject"})
        assert silent.status_code == 422 and silent.json()["errors"][0]["field"] == "comment"
        rejected = await client.post(f"{path}/votes", headers=KIM,
                                     json={"decision": "reject", "comment": "Say how to roll back."})
        assert rejected.status_code == 200, rejected.text
        assert (rejected.json()["state"], rejected.json()["article_state"]) == ("rejected", "draft")
        draft = (await client.get(path, headers=ALICE)).json()
        assert draft["status"] == "draft" and draft["review_comments"] == [
            {"voter": "kim", "decision": "reject", "comment": "Say how to roll back."}]

        fixed = await client.patch(path, headers=ALICE, json={"body": RUNBOOK["body"] + "\n4. Roll back: demote"})
        assert fixed.status_code == 200, fixed.text
        again = await client.post(f"{path}/submit", headers=ALICE)
        assert again.status_code == 201, again.text
        approved = await client.post(f"{path}/votes", headers=KIM, json={"decision": "approve"})
        assert approved.status_code == 200, approved.text
        assert (approved.json()["state"], approved.json()["article_state"]) == ("approved", "published")

        published = (await client.get(path, headers=VERA)).json()
        assert (published["status"], published["published_version"], published["published_by"]) == (
            "published", 1, "kim")
        assert published["review_due"] == (today() + timedelta(days=90)).isoformat()  # a runbook's interval
        assert published["review_comments"] is None and published["stale"] is False
        (event,) = await _events(app, "knowledge.article.published.v1")
        assert event == {
            "id": aid, "version": 1, "title": RUNBOOK["title"], "kind": "runbook", "tags": ["payments"],
            "author": "alice", "owner": "alice", "published_by": "kim", "project_id": PROJECT, "change_id": None,
            "ci_ids": [CI], "service_ids": [SERVICE]}

        # A revision: readers keep version 1 until version 2 is published.
        current = await client.get(path, headers=ALICE)
        revised = await client.patch(path, headers={**ALICE, **_if(current)},
                                     json={"title": "Fail over the payments database", "body": "## Steps\n1. Stop "
                                           "writes\n2. Promote the replica\n3. Repoint the app\n4. Roll back: demote"})
        assert revised.status_code == 200, revised.text
        body = revised.json()
        assert (body["status"], body["workflow_state"], body["title"]) == (
            "published", "published_with_draft_revision", RUNBOOK["title"])
        assert body["revision"]["number"] == 2 and body["revision"]["status"] == "draft"
        assert body["revision"]["title"] == "Fail over the payments database"
        assert body["revision"]["contributors"] == ["alice"]
        assert (await client.get(path, headers=VERA)).json()["body"] == published["body"]
        started = await _events(app, "knowledge.article.revision_started.v1")
        assert started == [{"id": aid, "version": 2, "published_version": 1, "started_by": "alice"}]
        assert (await client.post(f"{path}/revise", headers=ALICE)).status_code == 409  # one revision at a time

        assert (await client.post(f"{path}/submit", headers=ALICE)).status_code == 201
        under_review = (await client.get(path, headers=VERA)).json()
        assert (under_review["status"], under_review["workflow_state"]) == (
            "published", "published_with_revision_in_review")
        assert (await client.post(f"{path}/votes", headers=LEE, json={"decision": "approve"})).status_code == 200
        v2 = (await client.get(path, headers=VERA)).json()
        assert (v2["published_version"], v2["title"], v2["revision"]) == (2, "Fail over the payments database", None)
        assert v2["body"].endswith("4. Roll back: demote")

        versions = (await client.get(f"{path}/versions", headers=VERA)).json()
        assert [(v["number"], v["status"], v["published_by"]) for v in versions] == [
            (1, "superseded", "kim"), (2, "published", "lee")]
        one = (await client.get(f"{path}/versions/1", headers=VERA)).json()
        assert one["body"] == published["body"] and one["title"] == RUNBOOK["title"]
        diff = await client.get(f"{path}/versions/1/diff/2", headers=VERA)
        assert diff.status_code == 200, diff.text
        d = diff.json()
        assert (d["from_version"], d["to_version"], d["added"], d["removed"]) == (1, 2, 1, 1)
        assert d["unified"].startswith("--- version 1\n+++ version 2\n@@ -1,5 +1,5 @@")
        assert "-3. Point the app at it\n+3. Repoint the app" in d["unified"]
        assert d["fields"] == {"title": {"from": RUNBOOK["title"], "to": "Fail over the payments database"}}
        (hunk,) = d["hunks"]
        assert hunk["header"] == "@@ -1,5 +1,5 @@"
        assert [(line["op"], line["old_line"], line["new_line"]) for line in hunk["lines"]][3:5] == [
            ("-", 4, None), ("+", None, 4)]
        assert (await client.get(f"{path}/versions/3", headers=VERA)).status_code == 404
        assert (await client.get(f"{path}/versions/0", headers=VERA)).status_code == 422

        history = (await client.get(f"{path}/history", headers=VERA)).json()["items"]
        assert [(h["action"], h["from_state"], h["to_state"]) for h in history if h["action"] != "edit"] == [
            ("create", None, "draft"), ("submit", "draft", "in_review"), ("review_vote", None, None),
            ("return_to_draft", "in_review", "draft"), ("submit", "draft", "in_review"),
            ("review_vote", None, None), ("publish", "in_review", "published"),
            ("revise", "published", "published_with_draft_revision"),
            ("submit", "published_with_draft_revision", "published_with_revision_in_review"),
            ("review_vote", None, None), ("publish", "published_with_revision_in_review", "published")]
        types = await _event_types(app)
        assert types.count("knowledge.article.submitted.v1") == 3 and types.count("knowledge.article.vote_cast.v1") == 3
        returned = await _events(app, "knowledge.article.returned_to_draft.v1")
        assert returned[0]["reason"] == "rejected" and returned[0]["comments"] == [
            {"voter": "kim", "decision": "reject", "comment": "Say how to roll back."}]

        # Retiring announces the links; a retired article takes no edit.
        retired = await client.post(f"{path}/retire", headers=KIM, json={"reason": "Database replaced"})
        assert retired.status_code == 200 and retired.json()["status"] == "retired", retired.text
        (gone,) = await _events(app, "knowledge.article.retired.v1")
        assert gone == {"id": aid, "title": v2["title"], "kind": "runbook", "retired_by": "kim",
                        "reason": "Database replaced", "project_id": PROJECT, "change_id": None, "ci_ids": [CI],
                        "service_ids": [SERVICE]}
        refused = await client.patch(path, headers=KIM, json={"body": "x"})
        assert refused.status_code == 409 and refused.json()["allowed_transitions"] == []

        async def all_sent():
            async with app.state.runtime.engine.connect() as conn:
                return (await conn.execute(sa.select(sa.func.count()).select_from(outbox)
                                           .where(outbox.c.published_at.is_(None)))).scalar() == 0

        await eventually(all_sent)


async def _event_types(app) -> list[str]:  # noqa: ANN001
    async with app.state.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.select(outbox.c.event_type).order_by(outbox.c.seq))).scalars())


async def test_review_groups_use_the_shared_quorum(databases, backend, broker):
    app = _app(await databases.fresh("knowledge", backend), broker)
    async with running(app) as client:
        defaults = (await client.get("/knowledge/v1/review-policies", headers=VERA)).json()
        assert defaults[0] == {"kind": "default", "members": [], "quorum": {"kind": "number", "value": 1},
                               "source": "built_in", "version": None, "updated_by": None, "updated_at": None}
        body = {"members": ["kim", "lee", "ola", "alice"], "quorum": {"kind": "percentage", "value": 60}}
        assert (await client.put("/knowledge/v1/review-policies/runbook", headers=ALICE, json=body)).status_code == 403
        put = await client.put("/knowledge/v1/review-policies/runbook", headers=KIM, json=body)
        assert put.status_code == 200 and put.json()["source"] == "kind" and put.headers["ETag"] == 'W/"1"', put.text
        bad = await client.put("/knowledge/v1/review-policies/faq", headers=KIM,
                               json={"members": [], "quorum": {"kind": "percentage", "value": 50}})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "quorum.value"
        unreachable = await client.put("/knowledge/v1/review-policies/faq", headers=KIM,
                                       json={"members": ["kim"], "quorum": {"kind": "number", "value": 2}})
        assert unreachable.status_code == 422
        assert (await client.put("/knowledge/v1/review-policies/poem", headers=KIM, json=body)).status_code == 422
        policies = {p["kind"]: p for p in (await client.get("/knowledge/v1/review-policies", headers=VERA)).json()}
        assert policies["runbook"]["members"] == ["kim", "lee", "ola", "alice"]
        assert policies["faq"]["source"] == "built_in"

        aid = (await client.post("/knowledge/v1/articles", headers=ALICE, json=RUNBOOK)).json()["id"]
        path = f"/knowledge/v1/articles/{aid}"
        review = (await client.post(f"{path}/submit", headers=ALICE)).json()
        # Alice wrote it: she is left out of the reviewers, and 60 % of the other three is two approvals.
        assert review["reviewers"] == ["kim", "lee", "ola"] and review["waiting_on"] == ["kim", "lee", "ola"]
        outsider = await client.post(f"{path}/votes", headers=ZED, json={"decision": "approve"})
        assert outsider.status_code == 403 and outsider.json()["reason"] == "not_a_reviewer"
        first = await client.post(f"{path}/votes", headers=KIM, json={"decision": "approve", "comment": "Fine"})
        assert (first.json()["state"], first.json()["approvals"], first.json()["waiting_on"]) == (
            "open", 1, ["lee", "ola"])
        twice = await client.post(f"{path}/votes", headers=KIM, json={"decision": "approve"})
        assert twice.status_code == 409, twice.text
        second = await client.post(f"{path}/votes", headers=OLA, json={"decision": "approve"})
        assert (second.json()["state"], second.json()["article_state"]) == ("approved", "published")

        # Once the quorum cannot be reached any more, the version goes back with every comment.
        other = (await client.post("/knowledge/v1/articles", headers=ALICE, json=RUNBOOK)).json()["id"]
        await client.post(f"/knowledge/v1/articles/{other}/submit", headers=ALICE)
        await client.post(f"/knowledge/v1/articles/{other}/votes", headers=KIM,
                          json={"decision": "reject", "comment": "Wrong host"})
        decided = await client.post(f"/knowledge/v1/articles/{other}/votes", headers=LEE,
                                    json={"decision": "reject", "comment": "Agree"})
        assert (decided.json()["state"], decided.json()["article_state"]) == ("rejected", "draft")
        returned = (await client.get(f"/knowledge/v1/articles/{other}", headers=ALICE)).json()["review_comments"]
        assert [c["comment"] for c in returned] == ["Wrong host", "Agree"]

        # Too few reviewers once the authors are left out: 409 says where to configure the group.
        await client.put("/knowledge/v1/review-policies/faq", headers=KIM,
                         json={"members": ["alice", "kim"], "quorum": {"kind": "number", "value": 2}})
        faq = (await client.post("/knowledge/v1/articles", headers=ALICE, json={
            "title": "Why the VPN drops", "kind": "faq", "body": "Idle timeout."})).json()["id"]
        short = await client.post(f"/knowledge/v1/articles/{faq}/submit", headers=ALICE)
        assert short.status_code == 409 and "/knowledge/v1/review-policies/faq" in short.json()["detail"], short.text

        # The reviewer's inbox: open reviews they may still vote on.
        third = (await client.post("/knowledge/v1/articles", headers=ALICE, json=RUNBOOK)).json()["id"]
        await client.post(f"/knowledge/v1/articles/{third}/submit", headers=ALICE)
        inbox = (await client.get("/knowledge/v1/reviews?reviewer=lee", headers=LEE)).json()["items"]
        assert [r["article_id"] for r in inbox] == [third]
        assert (await client.get("/knowledge/v1/reviews?reviewer=alice", headers=ALICE)).json()["items"] == []
        withdrawn = await client.post(f"/knowledge/v1/articles/{third}/withdraw", headers=ALICE)
        assert (withdrawn.json()["state"], withdrawn.json()["article_state"]) == ("withdrawn", "draft")
        assert (await client.get("/knowledge/v1/reviews?reviewer=lee", headers=LEE)).json()["items"] == []
        reviews = (await client.get(f"/knowledge/v1/articles/{third}/reviews", headers=VERA)).json()
        assert [r["state"] for r in reviews] == ["withdrawn"]


async def test_drafts_can_be_retired_and_revisions_discarded(databases, backend, broker):
    app = _app(await databases.fresh("knowledge", backend), broker)
    async with running(app) as client:
        empty = (await client.post("/knowledge/v1/articles", headers=ALICE, json={
            "title": "To be written", "kind": "how_to"})).json()["id"]
        blank = await client.post(f"/knowledge/v1/articles/{empty}/submit", headers=ALICE)
        assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "body"
        assert (await client.post(f"/knowledge/v1/articles/{empty}/retire", headers=BOB)).status_code == 403
        assert (await client.post(f"/knowledge/v1/articles/{empty}/retire", headers=ALICE)).status_code == 200

        aid = (await client.post("/knowledge/v1/articles", headers=ALICE, json=RUNBOOK)).json()["id"]
        path = f"/knowledge/v1/articles/{aid}"
        await client.post(f"{path}/submit", headers=ALICE)
        await client.post(f"{path}/votes", headers=KIM, json={"decision": "approve"})
        revised = await client.post(f"{path}/revise", headers=KIM)
        assert revised.status_code == 200 and revised.json()["revision"]["contributors"] == [], revised.text
        unchanged = await client.post(f"{path}/submit", headers=KIM)
        assert unchanged.status_code == 409 and "confirm-review" in unchanged.json()["detail"]
        discarded = await client.delete(f"{path}/revision", headers={**ALICE, **_if(revised)})
        assert discarded.status_code == 200 and discarded.json()["workflow_state"] == "published", discarded.text
        again = await client.delete(f"{path}/revision", headers=ALICE)
        assert again.status_code == 409 and "revise" in again.json()["allowed_transitions"]
        assert [v["number"] for v in (await client.get(f"{path}/versions", headers=VERA)).json()] == [1]
        # Owner and review date change at once, without a revision.
        moved = await client.patch(path, headers=ALICE, json={"owner": "payments-team"})
        assert (moved.json()["owner"], moved.json()["revision"]) == ("payments-team", None)
        assert (await client.patch(path, headers=ALICE, json={"kind": None})).status_code == 422
