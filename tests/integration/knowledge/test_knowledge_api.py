"""The knowledge API on a real database (SQLite and PostgreSQL) with the real broker."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from tests.support import auth, create_app, eventually, running, walk_pages

EDITOR = auth("kim", "knowledge_editor")
REQUESTER = auth("alice", "requester")
RUNBOOK = {"title": "Restart the payment gateway", "kind": "runbook", "body": "## Steps\n1. Drain\n2. Restart"}


def _app(url: str, broker):  # noqa: ANN001, ANN202
    return create_app("knowledge", database_url=url, bootstrap=broker.bootstrap, run_consumer=False)


async def test_create_read_history_and_event(databases, backend, broker):
    app = _app(await databases.fresh("knowledge", backend), broker)
    project, change = uuid.uuid4(), uuid.uuid4()
    async with running(app) as client:
        created = await client.post("/knowledge/v1/articles", headers=EDITOR, json={
            **RUNBOOK, "tags": [" Payments ", "gateway", "payments"], "project_id": str(project),
            "change_id": str(change), "review_due": "2027-06-01"})
        assert created.status_code == 201, created.text
        article = created.json()
        aid = article["id"]
        assert created.headers["Location"] == f"/knowledge/v1/articles/{aid}"
        assert created.headers["ETag"] == 'W/"1"'
        assert article["status"] == "draft" and article["kind"] == "runbook" and article["version"] == 1
        assert article["author"] == "kim" and article["owner"] == "kim"
        assert article["tags"] == ["payments", "gateway"] and article["review_due"] == "2027-06-01"
        assert article["body"] == RUNBOOK["body"]

        read = await client.get(f"/knowledge/v1/articles/{aid}", headers=auth("vera", "viewer"))
        assert read.status_code == 200 and read.headers["ETag"] == 'W/"1"'
        assert read.json() == article

        owned = await client.post("/knowledge/v1/articles", headers=REQUESTER, json={
            "title": "Why the VPN drops", "kind": "faq", "owner": "service-desk"})
        assert owned.status_code == 201, owned.text
        assert (owned.json()["author"], owned.json()["owner"], owned.json()["body"]) == ("alice", "service-desk", "")

        history = (await client.get(f"/knowledge/v1/articles/{aid}/history", headers=EDITOR)).json()["items"]
        assert [(h["actor"], h["action"], h["to_state"]) for h in history] == [("kim", "create", "draft")]

        async def all_published():
            async with app.state.runtime.engine.connect() as conn:
                rows = (await conn.execute(sa.text("SELECT payload, published_at FROM outbox ORDER BY seq"))).all()
            return rows if len(rows) == 2 and all(r.published_at for r in rows) else None

        rows = await eventually(all_published)
        payload = rows[0].payload if isinstance(rows[0].payload, dict) else json.loads(rows[0].payload)
        assert payload["type"] == "knowledge.article.created.v1" and payload["subject"] == aid
        assert payload["actor"] == "kim"
        assert payload["data"] == {
            "id": aid, "title": "Restart the payment gateway", "kind": "runbook", "status": "draft", "author": "kim",
            "project_id": str(project), "change_id": str(change)}


async def test_bad_input_is_a_problem_naming_the_field(databases, backend, broker):
    app = _app(await databases.fresh("knowledge", backend), broker)
    async with running(app) as client:
        cases = [
            ({"title": "  ab  ", "kind": "faq"}, "title"),
            ({"title": "No kind"}, "kind"),
            ({"title": "Odd kind", "kind": "poem"}, "kind"),
            ({"title": "Huge body", "kind": "faq", "body": "x" * 200_001}, "body"),
            ({"title": "Many tags", "kind": "faq", "tags": [f"t{i}" for i in range(21)]}, "tags"),
            ({"title": "Blank tag", "kind": "faq", "tags": ["ok", "  "]}, "tags.1"),
            ({"title": "Long tag", "kind": "faq", "tags": ["x" * 51]}, "tags.0"),
            ({"title": "Bad link", "kind": "faq", "project_id": "not-a-uuid"}, "project_id"),
            ({"title": "Bad date", "kind": "faq", "review_due": "soon"}, "review_due"),
            ({"title": "Own status", "kind": "faq", "status": "published"}, "status"),
            ({"title": "Blank owner", "kind": "faq", "owner": " "}, "owner"),
        ]
        for body, field in cases:
            response = await client.post("/knowledge/v1/articles", headers=EDITOR, json=body)
            assert response.status_code == 422, (body["title"], response.text[:500])
            assert response.headers["content-type"] == "application/problem+json"
            assert field in [e["field"] for e in response.json()["errors"]], response.json()
        at_limit = await client.post("/knowledge/v1/articles", headers=EDITOR, json={
            "title": "Long but fine", "kind": "how_to", "body": "x" * 200_000, "tags": [f"t{i}" for i in range(20)]})
        assert at_limit.status_code == 201, at_limit.text[:500]

        unknown = uuid.uuid4()
        for path in (f"/knowledge/v1/articles/{unknown}", f"/knowledge/v1/articles/{unknown}/history"):
            missing = await client.get(path, headers=EDITOR)
            assert missing.status_code == 404 and missing.json()["status"] == 404
        assert (await client.get("/knowledge/v1/articles")).status_code == 401
        no_token = await client.post("/knowledge/v1/articles", json={"title": "No token", "kind": "faq"})
        assert no_token.status_code == 401
        for wrong in (auth("vera", "viewer"), auth("rita", "resource_manager", "pmo", "cab_member")):
            refused = await client.post("/knowledge/v1/articles", headers=wrong,
                                        json={"title": "Wrong role", "kind": "faq"})
            assert refused.status_code == 403, refused.text
        for role in ("change_manager", "project_manager", "service_owner", "admin"):
            allowed = await client.post("/knowledge/v1/articles", headers=auth("sam", role), json={
                "title": f"Written as {role}", "kind": "faq"})
            assert allowed.status_code == 201, (role, allowed.text)
        assert (await client.get("/knowledge/v1/articles?cursor=garbage", headers=EDITOR)).status_code == 422
        bad_filter = await client.get("/knowledge/v1/articles?project_id=nope", headers=EDITOR)
        assert bad_filter.status_code == 422 and bad_filter.json()["errors"][0]["field"] == "project_id"
        async with app.state.runtime.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM articles"))).scalar() == 5


async def test_list_paginates_with_a_stable_cursor_and_filters(databases, backend, broker):
    app = _app(await databases.fresh("knowledge", backend), broker)
    project, change = uuid.uuid4(), uuid.uuid4()
    async with running(app) as client:
        specs = [
            (EDITOR, {"title": "Rotate TLS certificates", "kind": "runbook", "tags": ["tls", "security"],
                      "change_id": str(change)}),
            (REQUESTER, {"title": "Printer 100% offline", "kind": "known_error", "tags": ["printing"]}),
            (EDITOR, {"title": "Onboarding handover", "kind": "handover", "tags": ["Security"],
                      "project_id": str(project)}),
            (REQUESTER, {"title": "Certificate FAQ", "kind": "faq", "tags": ["tls"]}),
            (EDITOR, {"title": "Lessons from the portal launch", "kind": "lessons_learned",
                      "project_id": str(project), "change_id": str(change)}),
        ]
        ids = []
        for headers, body in specs:
            r = await client.post("/knowledge/v1/articles", headers=headers, json=body)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])


        assert await walk_pages(client, "/knowledge/v1/articles", EDITOR) == list(reversed(ids))
        assert await walk_pages(client, "/knowledge/v1/articles", EDITOR, "sort=created_at") == ids
        # Capitalised, distinct first letters: the same order under any collation.
        by_title = [ids[3], ids[4], ids[2], ids[1], ids[0]]
        assert await walk_pages(client, "/knowledge/v1/articles", EDITOR, "sort=title") == by_title

        async def ids_for(query: str) -> list[str]:
            r = await client.get(f"/knowledge/v1/articles?{query}", headers=EDITOR)
            assert r.status_code == 200, r.text
            return sorted(a["id"] for a in r.json()["items"])

        assert await ids_for("kind=runbook") == [ids[0]]
        assert await ids_for("status=draft") == sorted(ids)
        assert await ids_for("status=published") == []
        assert await ids_for("tag=tls") == sorted([ids[0], ids[3]])
        assert await ids_for("tag=SECURITY") == sorted([ids[0], ids[2]])
        assert await ids_for("tag=sec") == []
        assert await ids_for(f"project_id={project}") == sorted([ids[2], ids[4]])
        assert await ids_for(f"change_id={change}") == sorted([ids[0], ids[4]])
        assert await ids_for(f"change_id={change}&project_id={project}") == [ids[4]]
        assert await ids_for("author=alice") == sorted([ids[1], ids[3]])
        assert await ids_for("author=alice&tag=tls") == [ids[3]]
        assert await ids_for("q=CERTIFICATE") == sorted([ids[0], ids[3]])
        assert await ids_for("q=%25") == [ids[1]]  # a literal %, not a wildcard
        assert await ids_for("q=_") == []
