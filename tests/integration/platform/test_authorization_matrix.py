"""The whole authorization matrix (docs/authorization.md) walked through each service's API: every operation with a
token per role. A role the matrix admits is never a 403 (a 404 or 422 for the made-up ids and the empty body is
fine); a role it refuses is a 403 problem, answered before the entity is read: the ids name nothing, so any check
after a lookup would have been a 404 (SQLite; the gates are the same code on PostgreSQL)."""

from __future__ import annotations

import importlib
import re
import uuid

import pytest
from fastapi.routing import APIRoute
from tandem_shared.authorization import ROLE_ORDER, Entry, matrix
from tandem_shared.settings import SERVICES

from tests.support import auth, create_app, running

TOKENS = {role: auth(f"matrix-{role}", role) for role in ROLE_ORDER}


def _uuid_params(service: str) -> dict[str, set[str]]:
    """The path parameters each route of the service types as a UUID, by the path it is served at."""
    spec = importlib.import_module(f"tandem_{service}.main").SPEC
    return {f"/{service}/v1{route.path}": {p.name for p in route.dependant.path_params
                                           if p.field_info.annotation is uuid.UUID}
            for router in spec.routers for route in router.routes if isinstance(route, APIRoute)}


def _path(entry: Entry, uuids: set[str]) -> str:
    """The entry's path with made-up values: a fresh UUID where the route wants one, a word otherwise."""
    names = re.findall(r"{(\w+)}", entry.path)
    return entry.path.format(**{name: uuid.uuid4() if name in uuids else "unknown" for name in names})


@pytest.mark.parametrize("service", SERVICES)
async def test_every_operation_admits_exactly_the_roles_of_the_matrix(databases, service: str) -> None:
    app = create_app(service, database_url=await databases.fresh(service, "sqlite"), bootstrap=None, workers=False)
    uuids = _uuid_params(service)
    entries = matrix([service])
    assert entries, service
    wrong = []
    async with running(app) as client:
        for entry in entries:
            path = _path(entry, uuids[entry.path])
            body = {"json": {}} if entry.writes else {}
            for role in ROLE_ORDER:
                response = await client.request(entry.method, path, headers=TOKENS[role], **body)
                if entry.allows(role) and response.status_code == 403:
                    wrong.append(f"{entry.method} {entry.path} {role}: 403 for an admitted role: {response.text}")
                elif not entry.allows(role) and (
                        response.status_code != 403
                        or response.headers["content-type"] != "application/problem+json"):
                    wrong.append(f"{entry.method} {entry.path} {role}: {response.status_code} for a refused role")
    assert wrong == [], "\n".join(wrong)


def test_a_refused_role_is_the_exception_the_matrix_names() -> None:
    # The walk above proves something only if the matrix refuses someone somewhere in each service.
    for service in SERVICES:
        entries = matrix([service])
        assert any(not e.allows(role) for e in entries for role in ROLE_ORDER), service
        assert all(e.allows("admin") for e in entries), service
