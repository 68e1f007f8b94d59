"""Bulk import of CIs from CSV or JSON: each valid row is applied, each invalid row reported.

The body is read as it arrives and its rows counted on the way (CSV records outside quotes, objects of the JSON list),
so an import over the configured maximum is refused with a 413 naming it as soon as it passes, not after parsing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.errors import Problem, ValidationProblem
from tandem_shared.inputs import parse_json_checked, refuse_bad_fields
from tandem_shared.limits import PayloadTooLarge

from tandem_change.cmdb import service
from tandem_change.cmdb.repository import CIRepository
from tandem_change.cmdb.schemas import CICreate, CIUpdate, ImportResult, ImportRowError

DEFAULT_MAX_ROWS = 10_000
MEDIA_TYPES = ("text/csv", "application/json")
COLUMNS = ("name", "ci_class", "criticality", "environment", "owner_team", "service_owner", "min_up", "description")
_JSON_STRUCTURE = re.compile(rb'["\\\[\]{}]')


class RowCounter:
    """Counts the rows of a CSV (non-blank records after the header) or a JSON list (its objects) chunk by chunk."""

    def __init__(self, media: str) -> None:
        self.media = media
        self.records = 0
        self._quoted = self._content = self._in_string = self._escape_pending = False
        self._depth = 0

    @property
    def rows(self) -> int:
        """Rows seen so far (a CSV record still open counts)."""
        if self.media == "text/csv":
            return max(self.records + self._content - 1, 0)
        return self.records

    def feed(self, chunk: bytes) -> None:
        """Count the rows that end (CSV) or begin (JSON) in this chunk."""
        if self.media == "text/csv":
            self._feed_csv(chunk)
        else:
            self._feed_json(chunk)

    def _feed_csv(self, chunk: bytes) -> None:
        for index, part in enumerate(chunk.split(b'"')):
            if index:
                self._quoted, self._content = not self._quoted, True
            if self._quoted:
                continue
            pieces = part.split(b"\n")
            for number, piece in enumerate(pieces):
                self._content = self._content or bool(piece.strip())
                if number < len(pieces) - 1:  # a newline outside quotes ends the record
                    self.records += self._content
                    self._content = False

    def _feed_json(self, chunk: bytes) -> None:
        skip = 0 if self._escape_pending else -1
        self._escape_pending = False
        for match in _JSON_STRUCTURE.finditer(chunk):
            position = match.start()
            if position == skip:
                continue
            char = chunk[position:position + 1]
            if self._in_string:
                if char == b"\\":
                    skip = position + 1
                    self._escape_pending = skip == len(chunk)
                elif char == b'"':
                    self._in_string = False
            elif char == b'"':
                self._in_string = True
            elif char in (b"[", b"{"):
                self.records += self._depth == 1
                self._depth += 1
            else:
                self._depth -= 1


def _too_many(max_rows: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"an import has at most {max_rows} rows (TANDEM_CHANGE_IMPORT_MAX_ROWS); this one has "
                           "more; split it", max_rows=max_rows)


def media_type(content_type: str) -> str:
    """The import's media type, or a 415 problem naming the accepted ones."""
    media = content_type.split(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        problem = Problem(f"send text/csv or application/json, not {media or 'no content type'}")
        problem.status, problem.slug, problem.title = 415, "unsupported-media-type", "Unsupported media type"
        raise problem
    return media


async def read_rows(chunks: AsyncIterator[bytes], content_type: str, *, max_rows: int = DEFAULT_MAX_ROWS) -> list[Any]:
    """The rows of a CSV (header row first) or JSON (a list of objects) import; 413/415/422 when unusable."""
    media = media_type(content_type)
    counter = RowCounter(media)
    body = bytearray()
    async for chunk in chunks:
        counter.feed(chunk)
        if counter.rows > max_rows:
            raise _too_many(max_rows)  # without reading the rest
        body += chunk
    try:
        text = bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationProblem.field("body", "must be UTF-8 text") from exc
    # The request middleware leaves import bodies alone (they stream): NULs and non-finite numbers are refused here.
    if media == "text/csv":
        rows = _csv_rows(text)
        refuse_bad_fields(rows)
    else:
        try:
            rows = parse_json_checked(text)
        except ValueError as exc:
            raise ValidationProblem.field("body", f"not valid JSON: {exc}") from exc
        if not isinstance(rows, list):
            raise ValidationProblem.field("body", "must be a JSON list of CI objects")
    if len(rows) > max_rows:  # the count on the way is a guard; the parsed rows decide
        raise _too_many(max_rows)
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
        if not service.may_change_ci(actor, ci):
            errors.append(ImportRowError(row=number, field="name", message=(
                f"'{ci.name}' is not yours to update: its service owner, whoever registered it or a change manager "
                f"may")))
            continue
        update = CIUpdate.model_validate({f: getattr(body, f) for f in given if f != "name"})
        version = ci.version
        await service.update_ci(session, actor=actor, ci=ci, body=update, unique_checked=True)
        updated += ci.version != version
    errors.sort(key=lambda e: (e.row, e.field))
    return ImportResult(created=created, updated=updated, errors=errors)
