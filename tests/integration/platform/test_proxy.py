"""The front door of `tandem up`: requests reach the process serving their service unchanged, answers stream back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from tandem_shared.broker import free_port
from tandem_shared.errors import PROBLEM_MEDIA_TYPE
from tandem_shared.proxy import ProxyGateway


async def _echo(request: Request) -> Response:
    body = await request.body()
    answer = {"method": request.method, "path": request.url.path, "query": request.url.query,
              "body": body.decode(), "authorization": request.headers.get("authorization"),
              "forwarded_for": request.headers.get("x-forwarded-for"), "host": request.headers.get("host")}
    return JSONResponse(answer, status_code=201 if request.method == "POST" else 200,
                        headers={"ETag": '"7"', "Location": "/capacity/v1/people/1"})


async def _stream(_request: Request) -> Response:
    async def rows() -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"row {i}\n".encode()
            await asyncio.sleep(0.01)
    return StreamingResponse(rows(), media_type="text/csv")


async def _large(_request: Request) -> Response:
    return Response(bytes(range(256)) * 1200, media_type="application/octet-stream")  # 300 KiB, with a length


UPSTREAM = Starlette(routes=[Route("/capacity/{rest:path}", _echo, methods=["GET", "POST", "PATCH", "DELETE"]),
                             Route("/metrics/stream", _stream), Route("/metrics/large", _large)])


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(UPSTREAM, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn's Server.started is a plain flag, no event to wait on
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def front(upstream: str) -> AsyncIterator[httpx.AsyncClient]:
    gateway = ProxyGateway({"capacity": upstream, "metrics": upstream, "change": f"http://127.0.0.1:{free_port()}"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://tandem") as client:
        yield client
    await gateway.pool.aclose()


async def test_a_request_reaches_its_service_unchanged_and_the_answer_comes_back_whole(
        front: httpx.AsyncClient) -> None:
    response = await front.post("/capacity/v1/people?team=Ops&limit=5", content=b'{"name": "Rae"}',
                                headers={"Authorization": "Bearer t0k3n", "Content-Type": "application/json"})
    assert response.status_code == 201
    assert response.headers["etag"] == '"7"' and response.headers["location"] == "/capacity/v1/people/1"
    echoed = response.json()
    assert echoed["method"] == "POST" and echoed["path"] == "/capacity/v1/people"
    assert echoed["query"] == "team=Ops&limit=5" and json.loads(echoed["body"]) == {"name": "Rae"}
    assert echoed["authorization"] == "Bearer t0k3n" and echoed["forwarded_for"] == "127.0.0.1"
    assert echoed["host"] != "tandem"  # the upstream is addressed as itself, not under the front door's name


async def test_streamed_answers_arrive_in_full(front: httpx.AsyncClient) -> None:
    response = await front.get("/metrics/stream")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.text == "row 0\nrow 1\nrow 2\n"


async def test_an_answer_longer_than_the_whole_body_limit_streams_through_in_full(front: httpx.AsyncClient) -> None:
    response = await front.get("/metrics/large")
    assert response.status_code == 200 and response.headers["content-length"] == str(256 * 1200)
    assert response.content == bytes(range(256)) * 1200


async def test_a_service_that_does_not_answer_is_a_503_problem_naming_it(front: httpx.AsyncClient) -> None:
    response = await front.get("/change/v1/changes")
    assert response.status_code == 503 and response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "change service does not answer" in response.json()["detail"]


async def test_unknown_prefixes_are_404_problems_and_the_root_lists_the_services(front: httpx.AsyncClient) -> None:
    missing = await front.get("/billing/v1/invoices")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "capacity, metrics, change" in missing.json()["detail"]
    index = (await front.get("/")).json()["services"]
    assert list(index) == ["capacity", "metrics", "change"] and index["capacity"]["docs"] == "/capacity/docs"
