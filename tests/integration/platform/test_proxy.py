"""The front door of `tandem up`: requests reach the process serving their service unchanged, answers stream back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from tandem_shared.broker import free_port
from tandem_shared.errors import PROBLEM_MEDIA_TYPE
from tandem_shared.gateway import Gateway
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


@asynccontextmanager
async def _served(app: ASGIApp, *, lifespan: str = "off") -> AsyncIterator[str]:
    """The app on a free loopback port under uvicorn, as `tandem up` serves its processes."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan=lifespan))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn's Server.started is a plain flag, no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    async with _served(UPSTREAM) as url:
        yield url


class _Asgi:
    """A plain ASGI endpoint (Starlette would wrap a bound method as a request handler)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class _Faulty:
    """A service whose fault surfaces after its 500 went out whole, while the next request is being answered.

    That is how an unhandled exception plays out under Starlette and uvicorn: the 500 is sent, the exception is
    re-raised, and while its traceback is written the client's next request on the kept-alive connection is already
    being handled; uvicorn then closes the connection under it. The events make that order certain here.
    """

    def __init__(self) -> None:
        self.next_request_arrived = asyncio.Event()
        self.fault_raised = asyncio.Event()
        self.pending = False
        self.handled: list[str] = []
        self.app = FastAPI()
        self.app.router.routes.append(Route("/capacity/v1/fault", _Asgi(self._fault), methods=["GET", "POST"]))
        self.app.router.routes.append(Route("/capacity/{rest:path}", self._echo, methods=["GET", "POST"]))

    async def _fault(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.pending = True
        body = b"Internal Server Error"
        await send({"type": "http.response.start", "status": 500,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        await self.next_request_arrived.wait()
        self.fault_raised.set()
        raise RuntimeError("a fault in the service")

    async def _echo(self, request: Request) -> Response:
        self.handled.append(f"{request.method} {request.url.path}")
        if self.pending:
            self.pending = False
            self.next_request_arrived.set()
            await self.fault_raised.wait()
            await asyncio.sleep(0.05)  # the faulty request's exception reaches the server meanwhile
        return await _echo(request)


async def _front_door(upstream: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _served(ProxyGateway({"capacity": upstream}), lifespan="on") as url, \
            httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield client


async def test_after_a_service_fault_the_next_100_requests_through_the_front_door_all_succeed() -> None:
    faulty = _Faulty()
    async with _served(Gateway({"capacity": faulty.app})) as service:  # what `tandem serve capacity` runs
        async for front_door in _front_door(service):
            failed = await front_door.post("/capacity/v1/fault", json={"name": "Łódź ops"})
            assert failed.status_code == 500 and failed.text == "Internal Server Error"  # the service's own answer

            answers = []
            for i in range(100):
                if i % 2 == 0:
                    answers.append(await front_door.post("/capacity/v1/teams", json={"name": f"team {i}"}))
                else:
                    answers.append(await front_door.get(f"/capacity/v1/people/{i}"))
    assert [(r.status_code, r.headers["content-type"]) for r in answers] == [
        (201 if i % 2 == 0 else 200, "application/json") for i in range(100)]
    assert json.loads(answers[0].json()["body"]) == {"name": "team 0"}
    assert faulty.handled.count("POST /capacity/v1/teams") == 50  # each create reached the service once


async def test_a_request_a_hung_up_connection_lost_is_sent_again_only_if_it_may_be_repeated() -> None:
    """An upstream that does hang up after a fault (not behind the services' Gateway): the front door copes."""
    faulty = _Faulty()
    async with _served(faulty.app) as service:
        async for front_door in _front_door(service):
            assert (await front_door.get("/capacity/v1/fault")).status_code == 500
            read = await front_door.get("/capacity/v1/people/1")
            assert read.status_code == 200 and read.json()["path"] == "/capacity/v1/people/1"

            faulty.next_request_arrived.clear()
            faulty.fault_raised.clear()
            assert (await front_door.get("/capacity/v1/fault")).status_code == 500
            write = await front_door.post("/capacity/v1/teams", json={"name": "Ops"})
            # The service may have acted on it: not sent twice, but a problem saying what happened.
            assert write.status_code == 502 and write.headers["content-type"] == PROBLEM_MEDIA_TYPE
            assert "capacity service closed the connection without answering" in write.json()["detail"]
            after = await front_door.post("/capacity/v1/teams", json={"name": "Ops 2"})
            assert after.status_code == 201
    assert faulty.handled == ["GET /capacity/v1/people/1", "GET /capacity/v1/people/1", "POST /capacity/v1/teams",
                              "POST /capacity/v1/teams"]


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


async def _chunks(total: int, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


async def test_a_chunked_upload_reaches_its_service_whole(upstream: str) -> None:
    async with _served(ProxyGateway({"capacity": upstream}), lifespan="on") as url, \
            httpx.AsyncClient(base_url=url, timeout=10) as client:
        response = await client.post("/capacity/v1/import", content=_chunks(300 * 1024))
        assert response.status_code == 201, response.text
        assert len(response.json()["body"]) == 300 * 1024


async def test_a_body_over_the_limit_is_a_413_problem_from_the_front_door_and_the_next_requests_pass(
        upstream: str) -> None:
    """The service would refuse it too, but unread: its 413 would be lost with the connection (a 502)."""
    limit = 64 * 1024
    gateway = ProxyGateway({"capacity": upstream}, max_body_bytes=limit, import_max_bytes=4 * limit)
    async with _served(gateway, lifespan="on") as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        declared = await client.post("/capacity/v1/teams", content=b"x" * (3 * limit),
                                     headers={"content-type": "application/json"})
        chunked = await client.post("/capacity/v1/teams", content=_chunks(3 * limit))
        for refused in (declared, chunked):
            assert refused.status_code == 413 and refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
            assert refused.json()["max_bytes"] == limit
        imported = await client.post("/capacity/v1/cis/import", content=b"x" * (3 * limit))
        assert imported.status_code == 201  # imports have their own, larger limit
        after = [await client.get(f"/capacity/v1/people/{i}") for i in range(10)]
        assert [r.status_code for r in after] == [200] * 10
