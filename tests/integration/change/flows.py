"""Helpers the change integration tests share: people in the projection, group members, windows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.support import auth

REQUESTER = auth("alice", "requester")
MANAGER = auth("bob", "change_manager")
ADMIN = auth("root", "admin")


def window(days: float = 30, hours: float = 4) -> dict[str, str]:
    """A planned window starting `days` from now (far enough ahead not to trip the lead-time condition)."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return {"planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=hours)).isoformat()}


async def known_person(app, *, team: str = "Platform", email: str | None = None) -> uuid.UUID:
    """Put a person in change's projection the way capacity's event would."""
    from tandem_change.people.repository import PeopleProjection

    person_id = uuid.uuid4()
    async with app.state.runtime.sessionmaker() as session, session.begin():
        await PeopleProjection(session).upsert(person_id, name="Dana", team=team, email=email)
    return person_id


async def set_members(client, group_name: str, members: list[str]) -> dict:
    """Replace the members of a seeded approver group; return the group."""
    groups = (await client.get("/change/v1/approver-groups", headers=ADMIN)).json()["items"]
    group = next(g for g in groups if g["name"] == group_name)
    response = await client.patch(f"/change/v1/approver-groups/{group['id']}", headers=ADMIN,
                                  json={"members": members})
    assert response.status_code == 200, response.text
    return response.json()


async def raise_change(client, headers=REQUESTER, **fields) -> dict:
    body = {"title": "Rotate TLS certificates", "type": "normal", **window(), **fields}
    response = await client.post("/change/v1/changes", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def act(client, change_id: str, action: str, headers, body: dict | None = None, status: int = 200) -> dict:
    response = await client.post(f"/change/v1/changes/{change_id}/{action}", headers=headers, json=body)
    assert response.status_code == status, (action, response.text)
    return response.json()


async def standard_model(client) -> str:
    """A new standard change model (the catalogue entry standard changes are raised from); returns its id."""
    name = f"Routine deployment {uuid.uuid4().hex[:8]}"
    response = await client.post("/change/v1/change-models", headers=MANAGER, json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def cis(client, *names: str) -> list[str]:
    """Configuration items made through the CMDB API; returns their ids."""
    ids = []
    for name in names:
        response = await client.post("/change/v1/cis", headers=MANAGER, json={
            "name": name, "ci_class": "server", "criticality": 3, "environment": "production"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids
