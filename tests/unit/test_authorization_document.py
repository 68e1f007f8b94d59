"""docs/authorization.md holds the matrix the code yields: every operation of every service × every role."""

from __future__ import annotations

from pathlib import Path

import pytest
from tandem_shared.authorization import MARKER, ROLE_ORDER, document, gate_of, main, matrix
from tandem_shared.settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "authorization.md"


def test_the_committed_matrix_is_the_generated_one() -> None:
    written = DOC.read_text()
    assert MARKER in written, "docs/authorization.md lost its generated part"
    assert written == document(written, matrix()), (
        "docs/authorization.md is stale: run `python -m tandem_shared.authorization --output docs/authorization.md`")


def test_every_operation_of_every_service_has_a_row() -> None:
    entries = matrix()
    written = DOC.read_text()
    for service in SERVICES:
        assert any(e.service == service for e in entries), service
    for e in entries:
        assert f"| {e.method} | `{e.path}` |" in written, (e.method, e.path)
    assert len({(e.method, e.path) for e in entries}) == len(entries)


def test_no_state_changing_operation_is_public() -> None:
    # The one public operation is the calendar feed a secret URL opens, a read.
    public = [(e.method, e.path) for e in matrix() if e.gate == "public"]
    assert public == [("GET", "/change/v1/calendar/feed.ics")]


@pytest.mark.parametrize(("path", "refused"), [
    ("/portfolio/v1/objectives", {"viewer", "requester", "project_manager"}),
    ("/capacity/v1/bookings", {"viewer", "requester", "change_manager"}),
])
def test_a_role_gate_admits_its_roles_and_admin_only(path: str, refused: set[str]) -> None:
    entry = next(e for e in matrix() if e.path == path and e.method == "POST")
    assert entry.gate == "roles" and entry.allows("admin")
    assert not any(entry.allows(role) for role in refused), entry


def test_the_generator_keeps_the_hand_written_part(tmp_path: Path) -> None:
    target = tmp_path / "authorization.md"
    target.write_text(f"# Mine\n\nRules written by hand.\n\n{MARKER}\n\nold matrix\n")
    main(["--output", str(target)])
    text = target.read_text()
    assert text.startswith("# Mine\n\nRules written by hand.\n") and "old matrix" not in text
    assert "| " + " | ".join(ROLE_ORDER) + " |" in text
    main(["--output", str(target)])
    assert target.read_text() == text


def test_gate_of_reads_nested_and_combined_gates() -> None:
    from fastapi import APIRouter
    from fastapi.routing import APIRoute
    from tandem_shared.auth import require_roles

    router = APIRouter(dependencies=[require_roles("pmo", "project_manager")])

    @router.post("/x", dependencies=[require_roles("pmo", "resource_manager")])
    async def both() -> None:
        """Two gates: only the roles both admit pass."""

    route = next(r for r in router.routes if isinstance(r, APIRoute))
    assert gate_of(route) == ("roles", frozenset({"pmo", "admin"}))
