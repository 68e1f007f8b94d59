"""Bulk import of CIs from CSV or JSON: each valid row is applied, each invalid row reported."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.errors import Problem, ValidationProblem

from tandem_change.cmdb import service
from tandem_change.cmdb.repository import CIRepository
from tandem_change.cmdb.schemas import CICreate, CIUpdate, ImportResult, ImportRowError

MAX_ROWS = 10_000
MAX_BYTES = 10 * 1024 * 1024
COLUMNS = ("name", "ci_class", "criticality", "environment", "owner_team", "service_owner", "min_up", "description")


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


def parse_rows(body: bytes, content_type: str) -> list[Any]:
    """The rows of a CSV (header row first) or JSON (a list of objects) import; 413/415/422 when unusable."""
    if len(body) > MAX_BYTES:
        raise PayloadTooLarge(f"an import is at most {MAX_BYTES // (1024 * 1024)} MiB; split the file",
                              max_bytes=MAX_BYTES)
    media = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationProblem.field("body", "must be UTF-8 text") from exc
    if media == "text/csv":
        rows = _csv_rows(text)
    elif media == "application/json":
        try:
            rows = json.loads(text)
        except ValueError as exc:
            raise ValidationProblem.field("body", f"not valid JSON: {exc}") from exc
        if not isinstance(rows, list):
            raise ValidationProblem.field("body", "must be a JSON list of CI objects")
    else:
        problem = Problem(f"send text/csv or application/json, not {media or 'no content type'}")
        problem.status, problem.slug, problem.title = 415, "unsupported-media-type", "Unsupported media type"
        raise problem
    if len(rows) > MAX_ROWS:
        raise PayloadTooLarge(f"an import has at most {MAX_ROWS} rows; this one has {len(rows)}; split it",
                              max_rows=MAX_ROWS)
    return rows


def _csv_rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "name" not in header or "ci_class" not in header:
        raise ValidationProblem.field("body", f"the header row must name the columns ({', '.join(COLUMNS)}); "
                                              "name and ci_class are required")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ValidationProblem.field("body", f"unknown columns: {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}")
    reader.fieldnames = header
    # Empty cells mean "not given", so defaults apply on create and stored values stay on update.
    return [{k: v.strip() for k, v in row.items() if k is not None and v is not None and v.strip() != ""}
            for row in reader]


def _errors(row: int, exc: ValidationError) -> list[ImportRowError]:
    return [ImportRowError(row=row, field=".".join(str(p) for p in e["loc"]) or "row", message=e["msg"])
            for e in exc.errors()]


async def import_cis(session: AsyncSession, *, actor: Actor, rows: list[Any]) -> ImportResult:
    """Create each new name, update each existing one; one transaction, one event per CI written."""
    errors: list[ImportRowError] = []
    valid: list[tuple[int, CICreate, set[str]]] = []
    first_row: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            errors.append(ImportRowError(row=number, field="row", message="must be an object"))
            continue
        try:
            body = CICreate.model_validate(raw)
        except ValidationError as exc:
            errors.extend(_errors(number, exc))
            continue
        if body.name in first_row:
            errors.append(ImportRowError(
                row=number, field="name",
                message=f"'{body.name}' is already in row {first_row[body.name]} of this import"))
            continue
        first_row[body.name] = number
        valid.append((number, body, set(raw)))
    existing = await CIRepository(session).by_names([body.name for _, body, _ in valid])
    created = updated = 0
    for number, body, given in valid:
        ci = existing.get(body.name)
        if ci is None:
            await service.create_ci(session, actor=actor, body=body, unique_checked=True)
            created += 1
            continue
        if ci.status == service.RETIRED:
            errors.append(ImportRowError(row=number, field="name",
                                         message=f"'{ci.name}' is retired and cannot be updated"))
            continue
        update = CIUpdate.model_validate({f: getattr(body, f) for f in given if f != "name"})
        version = ci.version
        await service.update_ci(session, actor=actor, ci=ci, body=update, unique_checked=True)
        updated += ci.version != version
    errors.sort(key=lambda e: (e.row, e.field))
    return ImportResult(created=created, updated=updated, errors=errors)
