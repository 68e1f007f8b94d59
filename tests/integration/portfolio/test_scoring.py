"""Scoring models, project inputs, stored scores, the ranking and the score gate criterion, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from tandem_portfolio.criteria import CRITERIA
from tandem_portfolio.projects.models import Project
from tandem_shared.tables import outbox
from tandem_shared.uow import UnitOfWork

from tests.support import auth, create_app, running, transaction

PM = auth("paula", "project_manager")
PMO = auth("omar", "pmo")
VIEWER = auth("vera", "viewer")
WEIGHTED = {"name": "Strategic value", "kind": "weighted", "description": "Alignment first.",
            "weights": {"strategic_alignment": 2, "value": 1, "risk": 1}}


async def _app(databases, backend, broker):
    return create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                      bootstrap=broker.bootstrap, workers=False)


async def _scored_events(app) -> list[dict]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.payload).where(
            outbox.c.event_type == "portfolio.project.scored.v1").order_by(outbox.c.seq))
        return [row.payload["data"] for row in rows]


async def test_model_crud(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        assert (await client.post("/portfolio/v1/scoring-models", headers=PM, json=WEIGHTED)).status_code == 403
        created = await client.post("/portfolio/v1/scoring-models", headers=PMO, json=WEIGHTED)
        assert created.status_code == 201, created.text
        model = created.json()
        url = f"/portfolio/v1/scoring-models/{model['id']}"
        assert created.headers["Location"] == url and created.headers["ETag"] == 'W/"1"'
        assert (model["kind"], model["weights"], model["created_by"], model["version"]) == (
            "weighted", {"strategic_alignment": 2, "value": 1, "risk": 1}, "omar", 1)
        assert model["formula"].startswith("score = 100 × Σ")
        again = await client.post("/portfolio/v1/scoring-models", headers=PMO, json={**WEIGHTED,
                                                                                   "name": "STRATEGIC VALUE"})
        assert again.status_code == 409 and again.json()["errors"][0]["field"] == "name"
        for bad, field in (({"kind": "wsjf", "weights": {"value": 1}}, "weights"), ({"weights": {}}, "weights"),
                           ({"weights": {"luck": 1}}, "weights.luck.[key]"), ({"kind": "moscow"}, "kind"),
                           ({"name": "x"}, "name")):
            refused = await client.post("/portfolio/v1/scoring-models", headers=PMO, json={**WEIGHTED, **bad})
            assert refused.status_code == 422 and field in [e["field"] for e in refused.json()["errors"]], bad
        wsjf = await client.post("/portfolio/v1/scoring-models", headers=PMO, json={"name": "WSJF", "kind": "wsjf"})
        assert wsjf.status_code == 201 and wsjf.json()["weights"] == {}

        listed = (await client.get("/portfolio/v1/scoring-models", headers=VIEWER)).json()
        assert [m["name"] for m in listed["items"]] == ["Strategic value", "WSJF"]
        read = await client.get(url, headers=VIEWER)
        assert read.json() == model and read.headers["ETag"] == 'W/"1"'
        changed = {**WEIGHTED, "name": "Value first", "weights": {"value": 3}}
        assert (await client.put(url, headers={**PMO, "If-Match": 'W/"9"'}, json=changed)).status_code == 412
        updated = await client.put(url, headers={**PMO, "If-Match": 'W/"1"'}, json=changed)
        assert updated.status_code == 200 and updated.headers["ETag"] == 'W/"2"', updated.text
        assert (updated.json()["name"], updated.json()["weights"]) == ("Value first", {"value": 3.0})
        assert (await client.put(url, headers=PM, json=changed)).status_code == 403
        assert (await client.delete(url, headers={**PMO, "If-Match": 'W/"1"'})).status_code == 412
        assert (await client.delete(url, headers={**PMO, "If-Match": 'W/"2"'})).status_code == 204
        assert (await client.get(url, headers=VIEWER)).status_code == 404
        assert (await client.get(f"{url}/ranking", headers=VIEWER)).status_code == 404


async def test_inputs_scores_ranking_explanations_and_events(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        objectives = []
        for name, weight in (("Reduce cost to serve", 3), ("Grow online sales", 1)):
            made = await client.post("/portfolio/v1/objectives", headers=PMO, json={
                "name": name, "weight": weight, "period_start": "2027-01-01", "period_end": "2027-12-31"})
            assert made.status_code == 201, made.text
            objectives.append(made.json()["id"])
        # (contributions to the two objectives, value, risk, category): alignment = 10 × Σ w·c / (5 × 4).
        specs = {"Alpha": ((5, 5), 5, 5, "grow"), "Beta": ((4, None), 9, 1, "run"),
                 "Gamma": ((None, 5), 10, 0, "grow"), "Delta": ((None, None), 10, 0, "transform")}
        ids = {}
        for name, (contributions, value, risk, category) in specs.items():
            links = [{"objective_id": oid, "contribution": c} for oid, c in zip(objectives, contributions,
                                                                               strict=True) if c is not None]
            made = await client.post("/portfolio/v1/projects", headers=PM, json={
                "name": name, "category": category, "objectives": links})
            assert made.status_code == 201, made.text
            ids[name] = made.json()["id"]
            put = await client.put(f"/portfolio/v1/projects/{ids[name]}/scoring-inputs", headers=PM,
                                   json={"value": value, "risk": risk})
            assert put.status_code == 200 and put.headers["ETag"] == 'W/"1"', put.text
        epsilon = (await client.post("/portfolio/v1/projects", headers=PM, json={"name": "Epsilon"})).json()["id"]
        wsjf_inputs = {"business_value": 13, "time_criticality": 8, "risk_reduction": 5, "job_size": 8}
        assert (await client.put(f"/portfolio/v1/projects/{epsilon}/scoring-inputs", headers=PM,
                                 json=wsjf_inputs)).status_code == 200
        for bad, field in (({"job_size": 0}, "job_size"), ({"effort": 0}, "effort"), ({"value": 10.5}, "value"),
                           ({"confidence": 120}, "confidence")):
            refused = await client.put(f"/portfolio/v1/projects/{epsilon}/scoring-inputs", headers=PM, json=bad)
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, bad
        assert (await client.put(f"/portfolio/v1/projects/{epsilon}/scoring-inputs", headers=VIEWER,
                                 json=wsjf_inputs)).status_code == 403
        assert (await client.put(f"/portfolio/v1/projects/{epsilon}/scoring-inputs",
                                 headers={**PM, "If-Match": 'W/"5"'}, json=wsjf_inputs)).status_code == 412

        model = (await client.post("/portfolio/v1/scoring-models", headers=PMO, json=WEIGHTED)).json()
        ranking_url = f"/portfolio/v1/scoring-models/{model['id']}/ranking"
        page = (await client.get(ranking_url, headers=VIEWER)).json()
        # Alpha: 100 × (2·10 + 5 + 5) / 40 = 75; Beta: (2·6 + 9 + 9) → 75; Gamma: (2·2.5 + 20) → 62.5; Delta: 50.
        tied = sorted([ids["Alpha"], ids["Beta"]], reverse=True)  # ties by project id, descending
        assert [(i["rank"], i["project_id"], i["score"]) for i in page["items"]] == [
            (1, tied[0], 75.0), (1, tied[1], 75.0), (3, ids["Gamma"], 62.5), (4, ids["Delta"], 50.0)]
        assert (page["model_name"], page["kind"], page["next_cursor"]) == ("Strategic value", "weighted", None)
        gamma = page["items"][2]
        assert (gamma["project_name"], gamma["stage"], gamma["category"]) == ("Gamma", "idea", "grow")
        explanation = gamma["explanation"]
        assert explanation["formula"].startswith("score = 100 × Σ") and explanation["score"] == 62.5
        assert [(t["name"], t["input"], t["weight"], t["contribution"]) for t in explanation["terms"]] == [
            ("strategic_alignment", 2.5, 2.0, 12.5), ("value", 10.0, 1.0, 25.0), ("risk", 0.0, 1.0, 25.0)]
        assert any(note.startswith("strategic_alignment = 10 × Σ") for note in explanation["notes"])

        # Pages of one follow the same order; a tie across pages keeps its shared rank.
        seen, cursor = [], None
        while True:
            one = (await client.get(f"{ranking_url}?limit=1" + (f"&cursor={cursor}" if cursor else ""),
                                    headers=VIEWER)).json()
            seen += [(i["rank"], i["project_id"]) for i in one["items"]]
            cursor = one["next_cursor"]
            if not cursor:
                break
        assert seen == [(i["rank"], i["project_id"]) for i in page["items"]]
        growing = (await client.get(f"{ranking_url}?category=grow", headers=VIEWER)).json()
        assert [(i["rank"], i["project_id"]) for i in growing["items"]] == [(1, ids["Alpha"]), (2, ids["Gamma"])]
        assert (await client.get(f"{ranking_url}?stage=approved", headers=VIEWER)).json()["items"] == []
        assert (await client.get(f"{ranking_url}?cursor=bm9wZQ", headers=VIEWER)).status_code == 422

        # New inputs rescore at once (one event); the same inputs again change nothing (no event).
        delta_url = f"/portfolio/v1/projects/{ids['Delta']}/scoring-inputs"
        for _ in range(2):
            assert (await client.put(delta_url, headers=PMO, json={"value": 2, "risk": 10})).status_code == 200
        inputs = (await client.get(delta_url, headers=VIEWER)).json()
        assert (inputs["value"], inputs["risk"], inputs["strategic_alignment"], inputs["version"]) == (2, 10, 0.0, 3)
        assert [(s["model_name"], s["score"]) for s in inputs["scores"]] == [("Strategic value", 5.0)]

        wsjf = (await client.post("/portfolio/v1/scoring-models", headers=PMO, json={"name": "WSJF",
                                                                                   "kind": "wsjf"})).json()
        wsjf_page = (await client.get(f"/portfolio/v1/scoring-models/{wsjf['id']}/ranking", headers=VIEWER)).json()
        assert [(i["project_id"], i["score"]) for i in wsjf_page["items"]] == [(epsilon, 3.25)]
        assert wsjf_page["items"][0]["explanation"]["notes"] == ["cost of delay = 26.0"]

        events = await _scored_events(app)
        assert sorted((e["project_id"], e["score"]) for e in events[:4]) == sorted(
            [(ids["Alpha"], 75.0), (ids["Beta"], 75.0), (ids["Gamma"], 62.5), (ids["Delta"], 50.0)])
        assert [(e["project_id"], e["model_name"], e["kind"], e["score"]) for e in events[4:]] == [
            (ids["Delta"], "Strategic value", "weighted", 5.0), (epsilon, "WSJF", "wsjf", 3.25)]

        # Strategic alignment follows the objectives once the model is recomputed.
        patched = await client.patch(f"/portfolio/v1/objectives/{objectives[1]}", headers={**PMO, "If-Match": 'W/"1"'},
                                     json={"active": False})
        assert patched.status_code == 200, patched.text
        recomputed = await client.post(f"/portfolio/v1/scoring-models/{model['id']}/recompute", headers=PMO)
        # Total weight 3 now: Alpha 10 × 15 / 15 = 10 (unchanged), Beta 10 × 12 / 15 = 8, Gamma 0, Delta 0.
        assert recomputed.json() == {"scored": 4, "changed": 2}
        after = {i["project_id"]: i["score"] for i in (await client.get(ranking_url, headers=VIEWER)).json()["items"]}
        assert after == {ids["Alpha"]: 75.0, ids["Beta"]: 100 * (2 * 8 + 9 + 9) / 40,
                         ids["Gamma"]: 100 * (0 + 10 + 10) / 40, ids["Delta"]: 5.0}

        async with transaction(app) as session:
            project = await session.get(Project, uuid.UUID(ids["Alpha"]))
            check = CRITERIA["score_at_least"].evaluate
            met = await check(UnitOfWork.of(session), project, {"model_id": model["id"], "threshold": 70})
            unmet = await check(UnitOfWork.of(session), project, {"model_id": model["id"], "threshold": 80})
            bad = await check(UnitOfWork.of(session), project, {"threshold": 80})
        assert met.met and met.facts["score"] == 75.0 and "at least 70" in met.why
        assert not unmet.met and "below 80" in unmet.why
        assert not bad.met and "model_id" in bad.why
