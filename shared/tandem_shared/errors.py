"""RFC 9457 problem details: domain errors, and handlers that turn every error into problem+json."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

log = logging.getLogger(__name__)
PROBLEM_MEDIA_TYPE = "application/problem+json"
HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})
TYPE_BASE = "https://tandem.dev/problems/"


class Problem(Exception):
    """A domain error that becomes a problem+json response."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document."""
        doc = {"type": TYPE_BASE + self.slug, "title": self.title, "status": self.status, "detail": self.detail}
        if instance:
            doc["instance"] = instance
        doc.update(self.extensions)
        return doc


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class InvalidTransition(Problem):
    """A state transition not allowed from the current state; names the allowed ones."""

    status, slug, title = 409, "invalid-transition", "Transition not allowed"

    def __init__(self, *, entity: str, state: str, action: str, allowed: Sequence[str]) -> None:
        allowed_list = sorted(allowed)
        super().__init__(
            f"cannot {action} a {entity} in state '{state}'; allowed from '{state}': "
            + (", ".join(allowed_list) if allowed_list else "none"),
            state=state,
            action=action,
            allowed_transitions=allowed_list,
        )


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(Problem):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class ValidationProblem(Problem):
    """Input that is well-formed but invalid; names each offending field."""

    status, slug, title = 422, "validation-error", "Validation failed"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, errors=errors)

    @classmethod
    def field(cls, field: str, message: str) -> ValidationProblem:
        """One offending field."""
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


class ServiceUnavailable(Problem):
    status, slug, title = 503, "unavailable", "Service unavailable"


def problem_response(problem: Problem, request: Request | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    """Render a problem as application/problem+json."""
    return JSONResponse(
        problem.body(request.url.path if request else None),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _field_name(loc: Sequence[Any]) -> str:
    # The first element says where the value came from (body, query, path, header); clients name the field.
    parts = [str(p) for p in (loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)]
    return ".".join(parts) if parts else "body"


def _allowed_methods(request: Request, answered: str | None) -> str | None:
    """Every method the document lists for the request's path; Starlette's 405 names the first route's only."""
    paths = request.app.openapi().get("paths", {})
    # A literal segment wins over a parameter, as the routes are declared (`/articles/search` before `/{id}`).
    matching = sorted((template.count("{"), template) for template in paths
                      if compile_path(template)[0].match(request.scope["path"]))
    if not matching:
        return answered
    methods = {method.upper() for method in paths[matching[0][1]] if method.upper() in HTTP_METHODS}
    return ", ".join(sorted(methods | ({"HEAD"} if "GET" in methods else set())))


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of the app a problem+json response."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(exc, request, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        allow = _allowed_methods(request, None)
        if allow and request.method not in allow.split(", "):
            # `PATCH /cis/import` reached `PATCH /cis/{ci_id}` with "import" for an id: the path is the import's,
            # which takes POST only, so the method is what is wrong.
            return await _http(request, StarletteHTTPException(405, headers={"Allow": allow}))
        errors = [
            {"field": _field_name(e.get("loc", ())), "message": e.get("msg", "invalid"), "type": e.get("type")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(ValidationProblem(detail, errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        problem = Problem(str(exc.detail))
        problem.status = exc.status_code
        problem.slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        problem.title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        headers = getattr(exc, "headers", None)
        allow = _allowed_methods(request, (headers or {}).get("Allow")) if exc.status_code == 405 else None
        if allow:
            headers = {**(headers or {}), "Allow": allow}
        return problem_response(problem, request, headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        problem = Problem("an unexpected error occurred; it has been logged")
        problem.status, problem.slug, problem.title = 500, "internal", "Internal server error"
        return problem_response(problem, request)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": title,
             "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status, title in {
        401: "Missing or invalid bearer token",
        403: "Not allowed for this actor",
        404: "Not found",
        409: "Conflict or transition not allowed (lists allowed transitions)",
        412: "If-Match does not match the current ETag",
        422: "Validation failed (lists the offending fields)",
    }.items()
}
