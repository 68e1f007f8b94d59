"""Business cases, the portfolio cash flow and realised benefits through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from tandem_portfolio.criteria import CRITERIA
from tandem_portfolio.projects.models import Project
from tandem_shared.tables import outbox
from tandem_shared.uow import UnitOfWork

from tests.support import auth, create_app, running, transaction

PM = auth("paula", "project_manager")
PMO = auth("omar", "pmo")
VIEWER = auth("vera", "viewer")
D = Decimal
CASE = {"currency": "EUR", "discount_rate": 0.12, "horizon_start": "2027-01", "lines": [
    {"month": "2027-01", "kind": "capex", "amount": "1200.00", "description": "Licences"},
    {"month": "2027-01", "kind": "opex", "amount": "100"},
    {"month": "2027-02", "kind": "opex", "amount": "100.00"},
    {"month": "2027-02", "kind": "benefit", "amount": "500.00"},
    {"month": "2027-04", "kind": "benefit", "amount": "1100.00"},
    {"month": "2027-04", "kind": "benefit", "amount": "0.5"}]}


async def _app(databases, backend, broker):
    return create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                      bootstrap=broker.bootstrap, workers=False)


async def _project(client, name: str, headers=PM, **fields) -> str:
    created = await client.post("/portfolio/v1/projects", headers=headers, json={"name": name, **fields})
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def _stage(app, project_id: str, stage: str) -> None:
    # The lifecycle's gates are another package's business: set the stage as a passed gate would.
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE projects SET stage = :stage WHERE id = :id"),
                           {"stage": stage, "id": uuid.UUID(project_id) if conn.dialect.name == "postgresql"
                            else uuid.UUID(project_id).hex})


async def _events(app, event_type: str) -> list[dict]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.payload).where(outbox.c.event_type == event_type)
                                  .order_by(outbox.c.seq))
        return [row.payload for row in rows]


async def test_put_read_figures_etags_and_event(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        pid = await _project(client, "Portal relaunch", sponsor="cfo", project_manager="pia")
        url = f"/portfolio/v1/projects/{pid}/business-case"
        missing = await client.get(url, headers=VIEWER)
        assert missing.status_code == 404 and "no business case" in missing.json()["detail"]
        assert (await client.put(url, headers={**PM, "If-Match": 'W/"1"'}, json=CASE)).status_code == 412

        put = await client.put(url, headers=PM, json=CASE)
        assert put.status_code == 200, put.text
        assert put.headers["ETag"] == 'W/"1"'
        body = put.json()
        assert (body["currency"], body["horizon_start"], body["version"], body["updated_by"]) == (
            "EUR", "2027-01", 1, "paula")
        assert [(line["month"], line["kind"], line["amount"]) for line in body["lines"]][:2] == [
            ("2027-01", "capex", "1200.00"), ("2027-01", "opex", "100.00")]
        figures = body["figures"]
        assert (figures["total_capex"], figures["total_opex"], figures["total_costs"]) == ("1200.00", "200.00",
                                                                                         "1400.00")
        assert (figures["total_benefits"], figures["net"]) == ("1600.50", "200.50")
        i = 1.12 ** (1 / 12) - 1
        assert figures["monthly_discount_rate"] == pytest.approx(i)
        assert D(figures["npv"]) == D(-1300 + 400 / (1 + i) + 1100.5 / (1 + i) ** 3).quantize(D("0.01"))
        assert figures["roi"] == pytest.approx(200.5 / 1400) and figures["roi_reason"] is None
        assert figures["payback_months"] == pytest.approx(2 + 900 / 1100.5)
        assert figures["irr"]["annual"] is not None and not figures["irr"]["ambiguous"]
        assert [(m["month"], m["net"], m["cumulative_net"]) for m in figures["months"]] == [
            ("2027-01", "-1300.00", "-1300.00"), ("2027-02", "400.00", "-900.00"), ("2027-03", "0.00", "-900.00"),
            ("2027-04", "1100.50", "200.50")]
        read = await client.get(url, headers=VIEWER)
        assert read.status_code == 200 and read.json() == body and read.headers["ETag"] == 'W/"1"'

        # Replace: If-Match moves with each version; the PMO may edit, others may not.
        smaller = {**CASE, "discount_rate": 0, "lines": CASE["lines"][:1]}
        assert (await client.put(url, headers={**PMO, "If-Match": 'W/"7"'}, json=smaller)).status_code == 412
        replaced = await client.put(url, headers={**PMO, "If-Match": 'W/"1"'}, json=smaller)
        assert replaced.status_code == 200 and replaced.headers["ETag"] == 'W/"2"', replaced.text
        assert replaced.json()["figures"]["irr"]["reason"].startswith("no sign change")
        assert replaced.json()["figures"]["roi"] == -1.0
        stale = await client.put(url, headers={**PM, "If-Match": 'W/"1"'}, json=CASE)
        assert stale.status_code == 412 and stale.json()["current_etag"] == 'W/"2"'
        for stranger in (auth("pete", "project_manager"), VIEWER):
            refused = await client.put(url, headers=stranger, json=CASE)
            assert refused.status_code == 403 and refused.json()["required_roles"] == ["pmo"]
        assert (await client.put(url, headers=auth("cfo", "viewer"), json=CASE)).status_code == 200  # the sponsor
        assert (await client.put(url, headers=auth("pia", "viewer"), json=CASE)).status_code == 200  # its manager

        events = await _events(app, "portfolio.project.business_case_updated.v1")
        assert [(e["subject"], e["actor"]) for e in events] == [(pid, "paula"), (pid, "omar"), (pid, "cfo"),
                                                               (pid, "pia")]
        first = events[0]["data"]
        assert (first["project_id"], first["currency"], first["total_costs"], first["total_benefits"]) == (
            pid, "EUR", "1400.00", "1600.50")
        assert first["npv"] == figures["npv"] and first["roi"] == pytest.approx(figures["roi"])
        assert [(m["month"], m["costs"], m["benefits"]) for m in first["months"]] == [
            ("2027-01", "1300.00", "0.00"), ("2027-02", "100.00", "500.00"), ("2027-03", "0.00", "0.00"),
            ("2027-04", "0.00", "1100.50")]
        assert (await client.get(f"/portfolio/v1/projects/{uuid.uuid4()}/business-case", headers=PM)).status_code \
            == 404


async def test_bad_inputs_name_the_field(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        pid = await _project(client, "Data platform")
        url = f"/portfolio/v1/projects/{pid}/business-case"
        line = CASE["lines"][0]
        cases = [
            ({"lines": [{**line, "month": "2027-13"}]}, "lines.0.month"),
            ({"lines": [{**line, "amount": "-1.00"}]}, "lines.0.amount"),
            ({"lines": [{**line, "amount": "1.001"}]}, "lines.0.amount"),
            ({"lines": [{**line, "amount": "1000000000000"}]}, "lines.0.amount"),
            ({"lines": [{**line, "kind": "revenue"}]}, "lines.0.kind"),
            ({"currency": "eur"}, "currency"),
            ({"currency": "EURO"}, "currency"),
            ({"discount_rate": 1.5}, "discount_rate"),
            ({"discount_rate": -0.1}, "discount_rate"),
            ({"horizon_start": "2027-1"}, "horizon_start"),
            ({"lines": [line, {**line, "month": "2026-12"}]}, "lines.1.month"),
            ({"lines": [{**line, "month": "2077-01"}]}, "lines.0.month"),
        ]
        for change, field in cases:
            response = await client.put(url, headers=PM, json={**CASE, **change})
            assert response.status_code == 422, (change, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert field in [e["field"] for e in response.json()["errors"]], (change, response.json())
        await _stage(app, pid, "closed")
        frozen = await client.put(url, headers=PM, json=CASE)
        assert frozen.status_code == 409 and frozen.json()["stage"] == "closed"
        async with app.state.runtime.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM business_cases"))).scalar() == 0


def _lines(month_amounts: dict[str, tuple[str, str, str]]) -> list[dict]:
    return [{"month": month, "kind": kind, "amount": amount}
            for month, amounts in month_amounts.items()
            for kind, amount in zip(("capex", "opex", "benefit"), amounts, strict=True) if amount != "0"]


async def test_cash_flow_per_month_and_quarter_with_exact_sums(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        plans = {  # name: (stage, category, currency, {month: (capex, opex, benefit)})
            "Alpha": ("approved", "grow", "EUR", {"2027-01": ("1000.10", "0.10", "0"), "2027-02": ("0", "0.20", "0"),
                                                  "2027-04": ("0", "0", "600.30")}),
            "Beta": ("executing", "run", "EUR", {"2026-12": ("50.00", "0", "0"), "2027-02": ("0", "0.10", "0.20"),
                                                 "2027-06": ("0", "0", "900.00")}),
            "Gamma": ("planning", "transform", "USD", {"2027-03": ("300.00", "0", "100.00")}),
            "Delta": ("idea", "grow", "EUR", {"2027-01": ("999.99", "0", "0")}),
        }
        ids = {}
        for name, (stage, category, currency, months) in plans.items():
            ids[name] = await _project(client, name, category=category)
            put = await client.put(f"/portfolio/v1/projects/{ids[name]}/business-case", headers=PM, json={
                "currency": currency, "discount_rate": 0.05, "horizon_start": "2026-12", "lines": _lines(months)})
            assert put.status_code == 200, put.text
            await _stage(app, ids[name], stage)

        monthly = await client.get("/portfolio/v1/cash-flow?from=2027-01&to=2027-06", headers=VIEWER)
        assert monthly.status_code == 200, monthly.text
        body = monthly.json()
        assert body["stages"] == ["approved", "planning", "executing", "transition"]
        assert [c["currency"] for c in body["currencies"]] == ["EUR", "USD"]
        eur, usd = body["currencies"]
        assert eur["projects"] == 2 and eur["opening_net"] == "-50.00"  # Beta's 2026-12 capex, before `from`
        assert [(p["period"], p["capex"], p["opex"], p["benefits"], p["net"], p["cumulative_net"])
                for p in eur["periods"]] == [
            ("2027-01", "1000.10", "0.10", "0.00", "-1000.20", "-1050.20"),
            ("2027-02", "0.00", "0.30", "0.20", "-0.10", "-1050.30"),
            ("2027-03", "0.00", "0.00", "0.00", "0.00", "-1050.30"),
            ("2027-04", "0.00", "0.00", "600.30", "600.30", "-450.00"),
            ("2027-05", "0.00", "0.00", "0.00", "0.00", "-450.00"),
            ("2027-06", "0.00", "0.00", "900.00", "900.00", "450.00")]
        assert usd["projects"] == 1 and [(p["period"], p["costs"], p["net"]) for p in usd["periods"]][2] == (
            "2027-03", "300.00", "-200.00")

        quarterly = (await client.get("/portfolio/v1/cash-flow?granularity=quarter&from=2027-02&to=2027-05",
                                      headers=VIEWER)).json()
        assert (quarterly["from_month"], quarterly["to_month"]) == ("2027-01", "2027-06")  # whole quarters
        eur_q = quarterly["currencies"][0]
        assert [(p["period"], p["costs"], p["benefits"], p["cumulative_net"]) for p in eur_q["periods"]] == [
            ("2027-Q1", "1000.50", "0.20", "-1050.30"), ("2027-Q2", "0.00", "1500.30", "450.00")]

        everything = (await client.get("/portfolio/v1/cash-flow?granularity=quarter", headers=VIEWER)).json()
        assert [p["period"] for p in everything["currencies"][0]["periods"]] == ["2026-Q4", "2027-Q1", "2027-Q2"]
        assert everything["currencies"][0]["opening_net"] == "0.00"

        ideas = (await client.get("/portfolio/v1/cash-flow?stage=idea&stage=approved", headers=VIEWER)).json()
        assert ideas["currencies"][0]["projects"] == 2
        assert ideas["currencies"][0]["periods"][0] == {  # 2027-01: Alpha and Delta
            "period": "2027-01", "capex": "2000.09", "opex": "0.10", "costs": "2000.19", "benefits": "0.00",
            "net": "-2000.19", "cumulative_net": "-2000.19"}
        named = (await client.get(f"/portfolio/v1/cash-flow?project_id={ids['Delta']}", headers=VIEWER)).json()
        assert named["stages"] is None and named["currencies"][0]["periods"] == [{
            "period": "2027-01", "capex": "999.99", "opex": "0.00", "costs": "999.99", "benefits": "0.00",
            "net": "-999.99", "cumulative_net": "-999.99"}]
        run_only = (await client.get("/portfolio/v1/cash-flow?category=run", headers=VIEWER)).json()
        assert [(c["currency"], c["projects"]) for c in run_only["currencies"]] == [("EUR", 1)]
        window = (await client.get("/portfolio/v1/cash-flow?from=2027-02&to=2027-04", headers=VIEWER)).json()
        eur_window = window["currencies"][0]
        assert eur_window["opening_net"] == "-1050.20"  # 2026-12 and 2027-01
        assert [(p["period"], p["net"], p["cumulative_net"]) for p in eur_window["periods"]] == [
            ("2027-02", "-0.10", "-1050.30"), ("2027-03", "0.00", "-1050.30"), ("2027-04", "600.30", "-450.00")]

        # Replacing a case replaces its months in the projection.
        replaced = await client.put(f"/portfolio/v1/projects/{ids['Alpha']}/business-case", headers=PM, json={
            "currency": "EUR", "discount_rate": 0.05, "horizon_start": "2026-12",
            "lines": _lines({"2028-01": ("10.00", "0", "0")})})
        assert replaced.status_code == 200, replaced.text
        after = (await client.get("/portfolio/v1/cash-flow", headers=VIEWER)).json()["currencies"][0]
        assert [(p["period"], p["net"]) for p in after["periods"] if p["net"] != "0.00"] == [
            ("2026-12", "-50.00"), ("2027-02", "0.10"), ("2027-06", "900.00"), ("2028-01", "-10.00")]

        empty = (await client.get("/portfolio/v1/cash-flow?stage=closed", headers=VIEWER)).json()
        assert empty["currencies"] == []
        for query, field in (("from=2027-13", "from"), ("to=27-01", "to"), ("granularity=week", "granularity"),
                             ("stage=dreaming", "stage.0"), ("from=2027-06&to=2027-01", "from")):
            bad = await client.get(f"/portfolio/v1/cash-flow?{query}", headers=VIEWER)
            assert bad.status_code == 422 and field in [e["field"] for e in bad.json()["errors"]], (query, bad.text)


async def test_realised_benefits_and_realised_roi(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        pid = await _project(client, "Self-service portal")
        base = f"/portfolio/v1/projects/{pid}"
        benefit = {"month": "2027-05", "amount": "400.00", "note": "Calls deflected"}
        assert (await client.post(f"{base}/benefits-realised", headers=PM, json=benefit)).status_code == 409
        put = await client.put(f"{base}/business-case", headers=PM, json=CASE)
        assert put.status_code == 200, put.text
        await _stage(app, pid, "executing")
        early = await client.post(f"{base}/benefits-realised", headers=PM, json=benefit)
        assert early.status_code == 409 and early.json()["stage"] == "executing"
        assert "'executing'" in early.json()["detail"] and early.json()["allowed_stages"] == ["transition", "closed"]

        await _stage(app, pid, "transition")
        first = await client.post(f"{base}/benefits-realised", headers=PM, json=benefit)
        assert first.status_code == 201, first.text
        assert (first.json()["amount"], first.json()["currency"], first.json()["cumulative_realised"]) == (
            "400.00", "EUR", "400.00")
        await _stage(app, pid, "closed")
        second = await client.post(f"{base}/benefits-realised", headers=PMO, json={
            "month": "2027-02", "amount": "1300.1", "currency": "EUR"})
        assert second.status_code == 201 and second.json()["cumulative_realised"] == "1700.10"
        wrong = await client.post(f"{base}/benefits-realised", headers=PM, json={**benefit, "currency": "USD"})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "currency"
        assert (await client.post(f"{base}/benefits-realised", headers=VIEWER, json=benefit)).status_code == 403
        negative = await client.post(f"{base}/benefits-realised", headers=PM, json={**benefit, "amount": "-1"})
        assert negative.status_code == 422 and negative.json()["errors"][0]["field"] == "amount"

        view = (await client.get(f"{base}/benefits", headers=VIEWER)).json()
        assert [(m["month"], m["planned"], m["realised"], m["cumulative_realised"]) for m in view["months"]] == [
            ("2027-02", "500.00", "1300.10", "1300.10"), ("2027-04", "1100.50", "0.00", "1300.10"),
            ("2027-05", "0.00", "400.00", "1700.10")]
        assert (view["total_planned"], view["total_realised"], view["costs"], view["costs_basis"]) == (
            "1600.50", "1700.10", "1400.00", "planned")
        assert view["realised_roi"] == pytest.approx((1700.10 - 1400) / 1400)
        assert view["planned_roi"] == pytest.approx((1600.50 - 1400) / 1400)
        assert [r["recorded_by"] for r in view["realisations"]] == ["omar", "paula"]

        events = await _events(app, "portfolio.project.benefit_realised.v1")
        assert [(e["subject"], e["data"]["month"], e["data"]["amount"], e["data"]["cumulative_realised"])
                for e in events] == [(pid, "2027-05", "400.00", "400.00"), (pid, "2027-02", "1300.10", "1700.10")]
        # The business case's currency cannot change once benefits were realised in it (and a closed case is frozen).
        await _stage(app, pid, "transition")
        moved = await client.put(f"{base}/business-case", headers=PM, json={**CASE, "currency": "USD"})
        assert moved.status_code == 409 and moved.json()["errors"][0]["field"] == "currency"


async def test_gate_criteria_read_the_business_case(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        pid = await _project(client, "Gate candidate")
        url = f"/portfolio/v1/projects/{pid}/business-case"

        async def evaluate() -> tuple:
            async with transaction(app) as session:
                project = await session.get(Project, uuid.UUID(pid))
                uow = UnitOfWork.of(session)
                return (await CRITERIA["business_case_complete"].evaluate(uow, project, {}),
                        await CRITERIA["npv_positive"].evaluate(uow, project, {}))

        complete, positive = await evaluate()
        assert not complete.met and not positive.met and complete.why == "the project has no business case"
        assert (await client.put(url, headers=PM, json={**CASE, "discount_rate": 0,
                                                        "lines": CASE["lines"][:1]})).status_code == 200
        complete, positive = await evaluate()
        assert not complete.met and complete.why == "the business case lacks benefits and a discount rate above 0"
        assert not positive.met and positive.facts["npv"] == "-1200.00"
        assert (await client.put(url, headers=PM, json=CASE)).status_code == 200
        complete, positive = await evaluate()
        assert complete.met and complete.facts["total_costs"] == "1400.00"
        assert positive.met and positive.why == "NPV is 166.00 EUR"
