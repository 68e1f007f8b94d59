"""What schemathesis (bench/fuzz.py, `make fuzz`) found, through the API: each answer as the OpenAPI document says."""

from __future__ import annotations

import pytest

from tests.support import auth, create_app, running

ADMIN = auth("ada", "admin")
PROBLEM = "application/problem+json"


@pytest.mark.parametrize(("service", "path"), [
    ("capacity", "/capacity/v1/teams"),
    ("knowledge", "/knowledge/v1/articles/3f2b1c4e-0000-4000-8000-000000000001"),
    ("change", "/change/v1/changes"),
])
async def test_a_405_allows_every_method_the_path_answers(databases, backend, service, path):
    app = create_app(service, database_url=await databases.fresh(service, backend), bootstrap=None, workers=False)
    async with running(app) as client:
        document = (await client.get(f"/{service}/openapi.json")).json()
        template = min((p for p in document["paths"] if _matches(p, path)), key=lambda p: p.count("{"))
        declared = {method.upper() for method in document["paths"][template]}
        response = await client.request("OPTIONS", path, headers=ADMIN)
        assert response.status_code == 405, response.text
        assert response.headers["content-type"] == PROBLEM
        allowed = {method.strip() for method in response.headers["allow"].split(",")}
        # Starlette named only the first route of the path (GET and HEAD for a list that also takes POST).
        assert allowed - {"HEAD"} == declared, response.headers["allow"]


async def test_a_body_that_is_not_json_text_is_a_documented_400_problem(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        document = (await client.get("/capacity/openapi.json")).json()
        response = await client.post("/capacity/v1/teams", content=b"\xff\xfe{",
                                     headers={**ADMIN, "Content-Type": "application/json"})
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == PROBLEM
        for item in document["paths"].values():
            for operation in item.values():
                if "requestBody" in operation:
                    assert PROBLEM in operation["responses"]["400"]["content"], operation["operationId"]


def _matches(template: str, path: str) -> bool:
    left, right = template.split("/"), path.split("/")
    return len(left) == len(right) and all(a == b or a.startswith("{") for a, b in zip(left, right, strict=True))


async def test_a_boolean_is_not_a_risk_threshold_or_weight(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        def questionnaire(weight: object, moderate: object) -> dict[str, object]:
            return {"questions": [{"key": "blast", "text": "Blast radius?", "answers": [
                {"key": "small", "text": "Small", "weight": 0}, {"key": "big", "text": "Big", "weight": weight}]}],
                "moderate_from": moderate, "high_from": 10}

        for body, field in ((questionnaire(10, False), "moderate_from"), (questionnaire(True, 5), "weight")):
            refused = await client.put("/change/v1/risk-questionnaire", headers=ADMIN, json=body)
            assert refused.status_code == 422, refused.text
            assert field in refused.json()["detail"]
        accepted = await client.put("/change/v1/risk-questionnaire", headers=ADMIN, json=questionnaire(10, 5))
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["moderate_from"] == 5


async def test_an_import_without_a_csv_or_json_body_is_a_documented_415(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        document = (await client.get("/change/openapi.json")).json()
        response = await client.post("/change/v1/cis/import", headers=ADMIN)
        assert response.status_code == 415, response.text
        assert response.headers["content-type"] == PROBLEM
        assert PROBLEM in document["paths"]["/change/v1/cis/import"]["post"]["responses"]["415"]["content"]
