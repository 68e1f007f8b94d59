"""Request limits through the API: bodies over the configured size (announced or streamed chunked) and imports over
the configured number of rows are 413 problems naming the limit; every list's `limit` has a documented maximum."""

from __future__ import annotations

import importlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from tandem_change.cmdb.importing import RowCounter
from tandem_change.main import create_app
from tandem_shared.settings import SERVICES, PlatformSettings, service_settings

from tests.support import auth

OWNER = auth("sam", "service_owner")
REQUESTER = auth("alice", "requester")
PROBLEM = "application/problem+json"


async def _chunks(total: int, size: int = 1024) -> AsyncIterator[bytes]:
    """A JSON body sent chunked (no Content-Length), `total` bytes in all."""
    yield b'{"title": "'
    sent = 11
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


async def test_bodies_and_imports_over_their_limits_are_413_problems(databases, backend):
    platform = PlatformSettings(environment="test", max_body_bytes=4096, max_import_body_bytes=64 * 1024)
    settings = service_settings("change").model_copy(
        update={"database_url": await databases.fresh("change", backend), "import_max_rows": 5})
    app = create_app(settings=settings, platform=platform, workers=False)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://tandem.test") as client):
        big = json.dumps({"title": "x" * 5000, "type": "normal"})
        announced = await client.post("/change/v1/changes", headers=REQUESTER, content=big)
        chunked = await client.post("/change/v1/changes", headers={**REQUESTER, "Content-Type": "application/json"},
                                    content=_chunks(8000))
        for response in (announced, chunked):
            assert response.status_code == 413, response.text
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["max_bytes"] == 4096 and "4096 bytes" in response.json()["detail"]
        small = await client.post("/change/v1/changes", headers={**REQUESTER, "Content-Type": "application/json"},
                                  content=_chunks(1000))
        assert small.status_code == 422, small.text  # read whole and validated: under the limit

        # Imports have their own, larger body limit, and a configurable number of rows.
        rows = [{"name": f"ci-{i:03}", "ci_class": "server", "description": "d" * 900} for i in range(5)]
        imported = await client.post("/change/v1/cis/import", headers=OWNER, json=rows)
        assert imported.status_code == 200 and imported.json()["created"] == 5, imported.text
        csv_rows = "name,ci_class,description\n" + "".join(f'web-{i},server,"a, quoted\nline"\n\n' for i in range(6))
        for content_type, body in [("application/json", json.dumps([*rows, {"name": "six", "ci_class": "server"}])),
                                   ("text/csv", csv_rows)]:
            response = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": content_type},
                                         content=body)
            assert response.status_code == 413, response.text
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["max_rows"] == 5
            assert "at most 5 rows (TANDEM_CHANGE_IMPORT_MAX_ROWS)" in response.json()["detail"]
        five = "name,ci_class,description\n" + "".join(f'web-{i},server,"a, quoted\nline"\n\n' for i in range(5))
        response = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": "text/csv"},
                                     content=five)
        assert response.status_code == 200 and response.json()["created"] == 5, response.text
        too_big = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": "text/csv"},
                                    content=b"name,ci_class\n" + b"a,server\n" * 8000)
        assert too_big.status_code == 413 and too_big.json()["max_bytes"] == 64 * 1024


@pytest.mark.parametrize(("media", "chunks", "rows"), [
    ("text/csv", [b'name,ci_class\n', b'a,server\n\n', b'"b\n', b'c",ser', b'ver\r\n', b'd,server'], 3),
    ("text/csv", [b"name,ci_class\n"], 0),
    ("application/json", [b'[{"name": "a\\"}{[", "x": [{}]}, ', b'{"name": "b\\', b'\\"}', b', {"n', b'ame": 1}]'], 3),
    ("application/json", [b"[]"], 0),
])
def test_rows_are_counted_as_the_body_arrives(media: str, chunks: list[bytes], rows: int) -> None:
    counter = RowCounter(media)
    for chunk in chunks:
        counter.feed(chunk)
    assert counter.rows == rows


def test_every_list_limit_has_a_documented_maximum() -> None:
    uncapped = []
    for service in SERVICES:
        document = importlib.import_module(f"tandem_{service}.main").create_app().openapi()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                for parameter in operation.get("parameters", []):
                    if parameter["name"] == "limit" and not 1 <= parameter["schema"].get("maximum", 0) <= 5000:
                        uncapped.append(f"{method.upper()} {path}")
    assert uncapped == []


async def test_an_import_stops_reading_at_its_row_cap_and_checks_its_rows_itself(databases, backend):
    # Issue 16, item 10: the NUL check read every JSON or text body whole before the route, so an import's row
    # count came only after its whole body (up to the import body limit) was in memory. Imports now stream past it.
    settings = service_settings("change").model_copy(
        update={"database_url": await databases.fresh("change", backend), "import_max_rows": 5})
    app = create_app(settings=settings, platform=PlatformSettings(environment="test"), workers=False)
    sent = 0

    async def many_rows() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b"name,ci_class\n"
        for i in range(2000):
            sent += 1
            yield f"host-{i},server\n".encode()

    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://tandem.test") as client:
        response = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": "text/csv"},
                                     content=many_rows())
        assert response.status_code == 413 and response.json()["max_rows"] == 5, response.text
        assert sent < 50, sent  # refused after the sixth row, not after all 2,000

        for content_type, body in [("text/csv", "name,ci_class\nweb\x00-1,server\n"),
                                   ("application/json", json.dumps([{"name": "web\x00-1", "ci_class": "server"}]))]:
            response = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": content_type},
                                         content=body)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == PROBLEM
            assert [(e["field"], e["type"]) for e in response.json()["errors"]] == [("0.name", "nul_character")]
        listed = await client.get("/change/v1/cis", headers=OWNER)
        assert listed.json()["items"] == []  # nothing half written
