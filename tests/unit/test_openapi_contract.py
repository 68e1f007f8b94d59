"""Each service's OpenAPI document is one a frontend team can generate a client from."""

from __future__ import annotations

import importlib
import re
from collections import Counter
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from tandem_shared.errors import PROBLEM_MEDIA_TYPE
from tandem_shared.openapi import CAMEL_CASE, MAX_OPERATION_ID, VERBS, operation_id, service_openapi
from tandem_shared.settings import SERVICES

WRITES = {"post", "put", "patch", "delete"}


def _document(service: str) -> dict[str, Any]:
    app: FastAPI = importlib.import_module(f"tandem_{service}.main").create_app()
    return app.openapi()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, item in doc["paths"].items() for method, operation in item.items()]


def _has_example(doc: dict[str, Any], media: dict[str, Any]) -> bool:
    if media.get("example") is not None or media.get("examples"):
        return True
    schema = media.get("schema", {})
    candidates = [schema, schema.get("items", {}), *schema.get("anyOf", []), *schema.get("oneOf", [])]
    for candidate in candidates:
        ref = candidate.get("$ref", "")
        target = doc["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else candidate
        if target.get("examples") or target.get("example") is not None:
            return True
    return False


@pytest.fixture(scope="module", params=SERVICES)
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _document(request.param)


def test_operation_ids_are_short_unique_camel_case_verbs(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert [i for i in ids if not CAMEL_CASE.match(i) or len(i) > MAX_OPERATION_ID] == []
    assert [i for i, count in Counter(ids).items() if count > 1] == []
    # A verb, then what it acts on: `submitArticle`, not `submit` (a flat generated client has one namespace).
    words = {i: re.findall(r"[A-Z]?[a-z0-9]+", i) for i in ids}
    assert [i for i, w in words.items() if w[0] not in VERBS or len(w) < 2] == []


def test_every_operation_has_a_tag_the_document_describes_or_names(document: dict[str, Any]) -> None:
    assert [f"{m} {p}" for m, p, operation in _operations(document) if not operation.get("tags")] == []


def test_every_write_documents_its_validation_problem(document: dict[str, Any]) -> None:
    missing = [f"{m} {p}" for m, p, operation in _operations(document) if m in WRITES
               and operation["responses"].get("422", {}).get("content", {}).get(PROBLEM_MEDIA_TYPE, {})
               .get("schema") != {"$ref": "#/components/schemas/Problem"}]
    assert missing == []


def test_every_operation_with_a_body_documents_the_size_limit(document: dict[str, Any]) -> None:
    missing = [f"{m} {p}" for m, p, operation in _operations(document) if "requestBody" in operation
               and PROBLEM_MEDIA_TYPE not in operation["responses"].get("413", {}).get("content", {})]
    assert missing == []


def test_every_error_response_is_a_problem(document: dict[str, Any]) -> None:
    wrong = [f"{m} {p} {status}" for m, p, operation in _operations(document)
             for status, response in operation["responses"].items()
             if status.startswith(("4", "5")) and list(response.get("content", {})) != [PROBLEM_MEDIA_TYPE]]
    assert wrong == []
    assert "HTTPValidationError" not in document["components"]["schemas"]  # FastAPI's default 422, not ours


def test_schema_names_are_type_names(document: dict[str, Any]) -> None:
    # Generated clients name their types after these: no `Page_X_` (an unnamed generic), no `X-Input`/`X-Output`
    # (one model read and written whose two forms differ: give the read its own XRead).
    names = document["components"]["schemas"]
    assert [name for name in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)] == []


def test_create_operations_show_an_example_body(document: dict[str, Any]) -> None:
    missing = [f"{m} {p} ({mt})" for m, p, operation in _operations(document)
               if m == "post" and "201" in operation["responses"]
               for mt, media in operation.get("requestBody", {}).get("content", {}).items()
               if not _has_example(document, media)]
    assert missing == []


def _models(service: str) -> dict[str, type[BaseModel]]:
    """The service's pydantic models by class name (the names its document's schemas have)."""
    found: dict[str, type[BaseModel]] = {}
    pending = list(BaseModel.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith(f"tandem_{service}."):
            found[cls.__name__] = cls
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_documented_request_examples_are_bodies_the_service_accepts(service: str) -> None:
    doc, models = _document(service), _models(service)
    checked = 0
    for _, _, operation in _operations(doc):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            schema = media.get("schema", {})
            refs = [schema.get("$ref", "")] + [s.get("$ref", "") for s in schema.get("anyOf", [])]
            name = next((ref.rsplit("/", 1)[-1] for ref in refs if ref), None)
            model = models.get(name or "")
            if model is None:
                continue
            values = [example["value"] for example in (media.get("examples") or {}).values()]
            values += doc["components"]["schemas"][model.__name__].get("examples", [])
            for value in values:
                model.model_validate(value)  # raises, naming the field, if the example is not a valid body
                checked += 1
    assert checked > 0


def _router_approving_at(path: str) -> APIRouter:
    router = APIRouter(tags=["changes"])

    @router.post(path)
    async def approve_change(change_id: int) -> None:
        """Approve."""

    return router


def test_operation_ids_come_from_the_route_functions_and_a_clash_is_refused() -> None:
    app = FastAPI(title="clash", generate_unique_id_function=operation_id)
    app.include_router(_router_approving_at("/changes/{change_id}/approve"))
    assert [o["operationId"] for o in service_openapi(app)["paths"]["/changes/{change_id}/approve"].values()] == [
        "approveChange"]

    app = FastAPI(title="clash", generate_unique_id_function=operation_id)
    app.include_router(_router_approving_at("/changes/{change_id}/approve"))
    app.include_router(_router_approving_at("/changes/{change_id}/approval"))  # the same name in another package
    with pytest.raises(RuntimeError, match="approveChange"), pytest.warns(UserWarning, match="Duplicate Operation"):
        service_openapi(app)
