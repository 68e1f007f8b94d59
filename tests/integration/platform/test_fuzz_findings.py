"""What schemathesis (bench/fuzz.py, `make fuzz`) found, through the API: each answer as the OpenAPI document says."""

from __future__ import annotations

import re

import pytest

from tests.integration.change.flows import raise_change
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


async def test_the_change_document_offers_null_only_where_an_update_takes_it(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        schemas = (await client.get("/change/openapi.json")).json()["components"]["schemas"]
        ci = (await client.post("/change/v1/cis", headers=ADMIN, json={
            "name": "db-01", "ci_class": "server", "criticality": 3, "environment": "production"})).json()
        window = (await client.post("/change/v1/blackout-windows", headers=ADMIN, json={
            "name": "freeze", "scope": "ci", "ci_id": ci["id"], "start": "2026-12-01T00:00:00Z",
            "end": "2026-12-02T00:00:00Z"})).json()
        condition = (await client.post("/change/v1/risk-conditions", headers=ADMIN, json={
            "name": "Many CIs", "kind": "affected_cis_at_least", "params": {"count": 2}, "risk": "moderate"})).json()
        group = (await client.post("/change/v1/approver-groups", headers=ADMIN,
                                   json={"name": "Platform leads", "members": ["pat", "quinn"]})).json()
        policy = (await client.post("/change/v1/approval-policies", headers=ADMIN, json={
            "name": "Platform low risk", "change_type": "normal", "risk": "low",
            "steps": [{"group_id": group["id"], "quorum_kind": "number", "quorum_value": 2}]})).json()
        model = (await client.post("/change/v1/change-models", headers=ADMIN, json={"name": "Restart"})).json()
        change = await raise_change(client, ADMIN)
        for name, path in (("CIUpdate", f"/change/v1/cis/{ci['id']}"),
                           ("BlackoutUpdate", f"/change/v1/blackout-windows/{window['id']}"),
                           ("RiskConditionUpdate", f"/change/v1/risk-conditions/{condition['id']}"),
                           ("ApproverGroupUpdate", f"/change/v1/approver-groups/{group['id']}"),
                           ("ApprovalPolicyUpdate", f"/change/v1/approval-policies/{policy['id']}"),
                           ("ChangeModelUpdate", f"/change/v1/change-models/{model['id']}"),
                           ("ChangeUpdate", f"/change/v1/changes/{change['id']}")):
            await _null_refused_exactly_where_not_offered(client, schemas[name], name, path)


async def test_the_capacity_document_offers_null_only_where_an_update_takes_it(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        schemas = (await client.get("/capacity/openapi.json")).json()["components"]["schemas"]
        person = (await client.post("/capacity/v1/people", headers=ADMIN,
                                    json={"name": "Dana Kim", "team": "Platform", "weekly_hours": 40})).json()
        await _null_refused_exactly_where_not_offered(client, schemas["PersonUpdate"], "PersonUpdate",
                                                      f"/capacity/v1/people/{person['id']}")


async def _null_refused_exactly_where_not_offered(client, schema: dict, name: str, path: str) -> None:
    for field, property_ in schema["properties"].items():
        response = await client.patch(path, headers=ADMIN, json={field: None})
        offered = {"type": "null"} in property_.get("anyOf", [])
        # Null refused as null (not for a rule on the other fields) exactly when the document does not offer it.
        refused = response.status_code == 422 and f"{field}" in response.json()["detail"] \
            and "cannot be null" in response.json()["detail"]
        assert refused != offered, (name, field, response.status_code, response.text)
        assert "default" not in property_ or offered, (name, field)


async def test_the_metrics_document_gives_the_dimensions_and_weeks_the_api_takes(databases, backend):
    app = create_app("metrics", database_url=await databases.fresh("metrics", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        document = (await client.get("/metrics/openapi.json")).json()
        parameters = {p["name"]: p["schema"] for p in document["paths"]["/metrics/v1/kpis/{key}"]["get"]["parameters"]}
        target = document["paths"]["/metrics/v1/kpis/{key}/targets/{dimension}"]["get"]["parameters"]
        for value, valid in (("organisation", True), ("", True), ("team:Platform", True), ("category:Run", True),
                             ("0", False), ("team:", False), ("bogus:x", False), ("team: ", False)):
            for schema in (parameters["dimension"], next(p["schema"] for p in target if p["name"] == "dimension")):
                # (an empty path segment never reaches the target route)
                assert (re.fullmatch(schema["pattern"].strip("^$"), value) is not None) == valid, schema["pattern"]
            listed = await client.get("/metrics/v1/kpis", params={"dimension": value}, headers=ADMIN)
            assert (listed.status_code == 200) == valid, listed.text
            week = "2026-W40" if valid else value or "2026-40"
            weeks = await client.get("/metrics/v1/kpis/utilisation_total", params={"from_week": week}, headers=ADMIN)
            assert (weeks.status_code == 200) == valid, weeks.text
            assert (re.fullmatch(parameters["from_week"]["pattern"].strip("^$"), week) is not None) == valid


async def test_a_method_a_literal_path_does_not_take_is_a_405_not_a_bad_id(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        # PATCH /cis/{ci_id} matched with "import" for an id and answered 422; the path is the import's (POST).
        response = await client.patch("/change/v1/cis/import", headers=ADMIN, json={"name": "x"})
        assert response.status_code == 405, response.text
        assert response.headers["content-type"] == PROBLEM and response.headers["allow"] == "POST"
        ci = await client.patch("/change/v1/cis/not-a-uuid", headers=ADMIN, json={"name": "x"})
        assert ci.status_code == 422 and "ci_id" in ci.json()["detail"]


async def test_a_name_outside_ascii_taken_twice_is_a_409_not_a_500(databases, backend):
    app = create_app("portfolio", database_url=await databases.fresh("portfolio", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        model = {"kind": "wsjf", "description": "Flow first."}
        first = await client.post("/portfolio/v1/scoring-models", headers=ADMIN, json={**model, "name": "Ôpex value"})
        other = await client.post("/portfolio/v1/scoring-models", headers=ADMIN, json={**model, "name": "Flow"})
        assert first.status_code == other.status_code == 201, (first.text, other.text)
        renamed = await client.put(f"/portfolio/v1/scoring-models/{other.json()['id']}",
                                   headers={**ADMIN, "If-Match": 'W/"1"'}, json={**model, "name": "Ôpex value"})
        assert renamed.status_code == 409, renamed.text
        objective = {"name": "Ökologie", "weight": 1, "period_start": "2027-01-01", "period_end": "2027-12-31"}
        assert (await client.post("/portfolio/v1/objectives", headers=ADMIN, json=objective)).status_code == 201
        again = await client.post("/portfolio/v1/objectives", headers=ADMIN, json=objective)
        assert again.status_code == 409, again.text


async def test_a_boolean_is_not_hours_nor_a_number_a_boolean(databases, backend):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                          workers=False)
    async with running(capacity) as client:
        person = (await client.post("/capacity/v1/people", headers=ADMIN,
                                    json={"name": "Dana Kim", "team": "Platform", "weekly_hours": 40})).json()
        base = f"/capacity/v1/people/{person['id']}"
        day = {"start_date": "2027-01-04", "end_date": "2027-01-05", "kind": "vacation"}
        refused = await client.post(f"{base}/time-off", headers=ADMIN, json={**day, "approved": 0})
        assert refused.status_code == 422 and "approved" in refused.json()["detail"], refused.text
        week = {"effective_from": "2027-01-04", "mon": 8, "tue": 8, "wed": 8, "thu": 8, "fri": 8}
        refused = await client.put(f"{base}/schedules", headers=ADMIN, json={"schedules": [{**week, "sun": False}]})
        assert refused.status_code == 422 and "sun" in refused.json()["detail"], refused.text
        accepted = await client.post(f"{base}/time-off", headers=ADMIN, json={**day, "approved": False})
        assert accepted.status_code == 201, accepted.text
        assert (await client.put(f"{base}/schedules", headers=ADMIN, json={"schedules": [week]})).status_code == 200
    knowledge = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=None,
                           workers=False)
    async with running(knowledge) as client:
        refused = await client.put("/knowledge/v1/review-intervals/faq", headers=ADMIN, json={"days": True})
        assert refused.status_code == 422 and "days" in refused.json()["detail"], refused.text
        assert (await client.put("/knowledge/v1/review-intervals/faq", headers=ADMIN,
                                 json={"days": 60})).status_code == 200
