"""A service's OpenAPI document as client generators want it: short stable operation ids, problems described."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from tandem_shared.errors import PROBLEM_MEDIA_TYPE

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}}}},
        "allowed_transitions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["type", "title", "status", "detail"],
}
# Statuses any operation with a request body can answer, whatever its router declares (shared layers answer them).
REQUEST_BODY_RESPONSES: dict[str, str] = {
    "400": "The body could not be read as JSON text (e.g. it is not UTF-8)",
    "413": "The body is over the size limit (TANDEM_MAX_BODY_BYTES; imports: their own byte and row limits)",
    "422": "Validation failed (lists the offending fields)",
}
CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
MAX_OPERATION_ID = 40


# What an operation id starts with: a generated client's method names read as what they do (`listBookings`).
VERBS = frozenset({
    "accept", "add", "amend", "approve", "assess", "assign", "baseline", "cancel", "cast", "check", "close", "commit",
    "compare", "complete", "confirm", "create", "decide", "defer", "delete", "diff", "discard", "find", "get", "give",
    "import", "issue", "list", "move", "open", "post", "put", "realise", "recompute", "reject", "release", "remove",
    "replace", "reschedule", "resume", "retire", "revise", "revoke", "search", "start", "submit", "terminate",
    "update", "vote", "withdraw",
})


def operation_id(route: APIRoute) -> str:
    """The route function's name in camelCase (`approve_change` → `approveChange`): short, and stable as code is.

    A read named by what it returns (`heatmap`, `change_history`) is a get: `getHeatmap`, `getChangeHistory`.
    """
    words = [word for word in route.name.strip("_").split("_") if word]
    if words[0] not in VERBS and (route.methods or set()) <= {"GET", "HEAD"}:
        words.insert(0, "get")
    return words[0] + "".join(word[:1].upper() + word[1:] for word in words[1:])


def problem_response(description: str) -> dict[str, Any]:
    """A response documented as a problem+json document."""
    return {"description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def service_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's document: the Problem schema, body problems on every operation with a body, ids checked unique."""
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                         tags=app.openapi_tags)
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ids: Counter[str] = Counter()
    for operation in _operations(schema):
        ids[operation["operationId"]] += 1
        responses = operation.setdefault("responses", {})
        for status, response in responses.items():
            # Every error is answered as a problem (errors.install_problem_handlers): FastAPI's own 422
            # (HTTPValidationError) and errors a route describes in words only get the problem's schema.
            if status[:1] in ("4", "5") and PROBLEM_MEDIA_TYPE not in response.get("content", {}):
                response["content"] = problem_response("")["content"]
        if "requestBody" in operation:
            for status, description in REQUEST_BODY_RESPONSES.items():
                responses.setdefault(status, problem_response(description))
    for model in schema["components"]["schemas"].values():
        for field in model.get("properties", {}).values():
            # A field that refuses null (SkipJsonSchema[None]) has no default: absent means unchanged.
            if "default" in field and field["default"] is None and not _nullable(field):
                del field["default"]
    if "HTTPValidationError" not in json.dumps(schema["paths"]):
        for name in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(name, None)
    duplicates = sorted(name for name, count in ids.items() if count > 1)
    if duplicates:
        # Generated clients would get one function for two operations: rename a route function.
        raise RuntimeError(f"{app.title}: operation ids used more than once: {', '.join(duplicates)}")
    return schema


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for item in schema.get("paths", {}).values() for operation in item.values()
            if isinstance(operation, dict) and "operationId" in operation]


def _nullable(field: dict[str, Any]) -> bool:
    types = [field.get("type")] + [option.get("type") for option in field.get("anyOf", [])]
    return "null" in types or any(isinstance(t, list) and "null" in t for t in types)
