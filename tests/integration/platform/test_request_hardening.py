"""Hostile input through the API: headers built from user data, NUL characters, token errors (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import jwt

from tests.support import auth, create_app, running

RESOURCE_MANAGER = auth("rita", "resource_manager")
REQUESTER = auth("alice", "requester")
EDITOR = auth("kate", "knowledge_editor")
WINDOW = {"planned_start": "2030-12-02T22:00:00+00:00", "planned_end": "2030-12-03T02:00:00+00:00"}


async def test_location_of_a_name_outside_latin_1_is_encoded_and_resolves(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        for name in ("Łódź ops", "Ops 東京", "R&D ops #2"):
            created = await client.post("/capacity/v1/teams", headers=RESOURCE_MANAGER, json={"name": name})
            assert created.status_code == 201, created.text
            assert created.headers["location"] == "/capacity/v1/teams/" + quote(name, safe="")
            assert created.headers["location"].isascii()
            found = await client.get(created.headers["location"], headers=RESOURCE_MANAGER)
            assert found.status_code == 200 and found.json()["name"] == name, found.text


async def test_a_correlation_id_that_is_not_a_safe_token_is_replaced(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        kept = await client.get("/capacity/v1/teams", headers={**RESOURCE_MANAGER, "X-Correlation-ID": "req-42.a:b"})
        assert kept.status_code == 200 and kept.headers["x-correlation-id"] == "req-42.a:b"
        for raw in ("caf\xe9".encode("latin-1"), b"a b<script>", b"\xff\xfe"):
            response = await client.get("/capacity/v1/teams",
                                        headers={**RESOURCE_MANAGER, "X-Correlation-ID": raw})  # type: ignore[dict-item]
            assert response.status_code == 200, response.text
            assert uuid.UUID(response.headers["x-correlation-id"])  # a fresh one, not the echoed input


async def test_nul_in_text_is_the_same_422_naming_the_field_on_both_backends(databases, backend):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                          workers=False)
    change = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None,
                        workers=False)
    knowledge = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=None,
                           workers=False)
    async with running(capacity) as cap, running(change) as chg, running(knowledge) as kno:
        cases = [
            (cap, "post", "/capacity/v1/teams", RESOURCE_MANAGER, {"name": "Ops\u0000"}, "name"),
            (cap, "post", "/capacity/v1/teams", RESOURCE_MANAGER,
             {"name": "Ops", "description": "x", "manager": "m\u0000"}, "manager"),
            (chg, "post", "/change/v1/changes", REQUESTER,
             {"title": "Patch", "type": "normal", "description": "a\u0000b", **WINDOW}, "description"),
            (kno, "post", "/knowledge/v1/articles", EDITOR,
             {"title": "Runbook", "kind": "runbook", "body": "ok", "tags": ["x\u0000"]}, "tags.0"),
            (kno, "post", "/knowledge/v1/articles", EDITOR, {"title\u0000": "Runbook"}, "title\u0000"),
        ]
        for client, method, path, headers, body, field in cases:
            response = await client.request(method, path, headers=headers, json=body)
            assert response.status_code == 422, (path, body, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            problem = response.json()
            assert [e["field"] for e in problem["errors"]] == [field.replace("\u0000", "\\u0000")], problem
            assert "NUL" in problem["errors"][0]["message"]
        for client, path in ((cap, "/capacity/v1/teams/Ops%00"), (kno, "/knowledge/v1/search?q=ops%00")):
            response = await client.get(path, headers=EDITOR)
            assert response.status_code == 422, (path, response.text)
            assert response.json()["errors"][0]["field"] in ("path", "q"), response.text
        assert (await cap.get("/capacity/v1/teams", headers=RESOURCE_MANAGER)).json()["items"] == []


async def test_token_errors_do_not_echo_the_parser(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        forged = jwt.encode({"sub": "x", "exp": 4_000_000_000, "iss": "tandem-dev", "aud": "tandem"}, "not-the-secret"
                            * 4, algorithm="HS256")
        for token in ("abc", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", forged, "\u00e9t\u00e9"):
            response = await client.get("/capacity/v1/teams",
                                        headers={"Authorization": f"Bearer {token}".encode()})  # type: ignore[dict-item]
            assert response.status_code == 401, response.text
            detail = response.json()["detail"]
            assert detail.startswith("invalid bearer token: "), detail
            for internal in ("segments", "padding", "Signature verification", "utf-8", "codec", "Invalid header",
                             "Expecting", "specified alg"):
                assert internal not in detail, detail
