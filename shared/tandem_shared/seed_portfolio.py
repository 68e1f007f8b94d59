"""The demo portfolio, loaded through portfolio's public API: objectives, gates, twenty projects in every stage, and
two saved selection scenarios."""

from __future__ import annotations

import time as time_module
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx

from tandem_shared.auth import mint_dev_token
from tandem_shared.settings import platform_settings

API = "/portfolio/v1"
STAGES = ("idea", "proposed", "approved", "planning", "executing", "transition", "closed")
GATES = ("screening", "investment", "mobilise", "execute", "handover", "closure")  # the gate into STAGES[i + 1]
BOARD = ["omar.pmo", "nina.finance", "ted.architect"]
SCREENERS = ["omar.pmo", "ted.architect"]
# Go votes a gate needs: two of the board where money is committed or operations take over, one elsewhere.
QUORUM = {"screening": 1, "investment": 2, "mobilise": 1, "execute": 2, "handover": 2, "closure": 1}
# Per gate: what the default portfolio's board checks (the built-in criteria, plus a business case before the
# investment and a baselined plan with its go-live before execution).
GATE_CRITERIA: dict[str, list[dict[str, Any]]] = {
    "screening": [{"name": "problem_stated"}, {"name": "sponsor_named"}, {"name": "objectives_linked"}],
    "investment": [{"name": "sponsor_named"}, {"name": "objectives_linked"}, {"name": "touches_named"},
                   {"name": "business_case_complete"}],
    "mobilise": [{"name": "project_manager_named"}, {"name": "touches_named"}],
    "execute": [{"name": "project_manager_named"}, {"name": "demand_planned"}, {"name": "service_owner_named"},
                {"name": "milestones_baselined", "params": {"require_go_live": True}}],
    "handover": [{"name": "service_owner_named"}],
    "closure": [{"name": "service_owner_named"}],
}
OBJECTIVES = [  # name, weight, description
    ("Grow digital revenue", 5, "Half of new revenue through digital channels by the end of next year."),
    ("Keep services resilient", 4, "No P1 outage longer than an hour on a customer-facing service."),
    ("Meet regulatory obligations", 4, "Every regulatory deadline met, with evidence for the auditors."),
    ("Cut cost to serve", 3, "Cost per customer contact down by a fifth."),
    ("Retire legacy technology", 2, "No platform past its vendor's end of support."),
]
GROW, RESILIENT, REGULATORY, COST, LEGACY = range(5)


@dataclass(frozen=True)
class Case:
    """A business case from the project's start: build capex, run opex, benefits ramping up."""

    capex: int  # spread evenly over the build months
    build: int  # months of build (capex) from the start
    opex: int  # per month, every month
    benefit: int  # per month once ramped up
    benefit_from: int  # month the benefits start (after go-live)
    ramp: int = 6  # months to reach the full benefit
    rate: float = 0.08
    months: int = 36  # the horizon; longer when the benefits come after a long build


@dataclass(frozen=True)
class Milestone:
    """A milestone, its baseline and where it stands; days are offsets from today."""

    name: str
    baseline: int
    forecast: int | None = None  # moved from the baseline (a slip), with `reason`
    actual: int | None = None  # completed that day (in the past)
    go_live: bool = False
    reason: str | None = None
    baselined: bool = True


@dataclass(frozen=True)
class Project:
    """A demo project: its intake, how far it got, and what its managers recorded on the way."""

    name: str
    category: str
    stage: str  # where it ends: a STAGES entry, on_hold or terminated
    sponsor: str
    problem: str
    objectives: Mapping[int, int]  # objective index -> contribution 0..5
    start: int  # months from this month
    months: int  # start to go-live
    budget: int
    manager: str | None = None
    service_owner: str | None = None
    support_team: str | None = None
    touches: Sequence[str] = ()  # names of the demo CMDB's services and CIs
    case: Case | None = None
    inputs: Mapping[str, float] = field(default_factory=dict)  # scoring inputs
    demand: Sequence[tuple[str, str | None, int | None, int, int, int]] = ()  # role, skill, person, h/week, from, to
    milestones: Sequence[Milestone] = ()
    risks: Sequence[tuple[str, str, int, int, str, str]] = ()  # kind, title, probability, impact, status, mitigation
    overspend: float = 1.0  # actual costs against the plan, to date
    benefits_realised: Sequence[float] = ()  # share of the planned benefit, per month since go-live
    entered_by_pmo: bool = False  # proposed straight away, skipping screening
    held_after: str | None = None  # on_hold: the stage it was deferred from, and why (`reason`)
    killed_at: str | None = None  # terminated: the gate whose board killed it
    reason: str | None = None


PROJECTS = [
    Project("Payments platform migration", "transform", "executing", "fiona.cfo",
            "The card gateway runs on hardware out of support in 2027 and cannot take instant payments.",
            {GROW: 4, RESILIENT: 5, LEGACY: 5}, start=-6, months=10, budget=450000, manager="paul.pm",
            service_owner="olga.ops", support_team="Payments operations",
            touches=("Payments", "pay-gw-app", "pay-db"),
            case=Case(capex=300000, build=10, opex=8000, benefit=38000, benefit_from=11),
            inputs={"value": 9, "risk": 7, "urgency": 8, "business_value": 20, "time_criticality": 13,
                    "risk_reduction": 13, "job_size": 20},
            demand=(("Payments engineer", "payments", 4, 16, -180, 120), ("DBA", "postgresql", 0, 8, -120, 120),
                    ("Payments QA", None, None, 16, -30, 120)),
            milestones=(Milestone("Architecture signed off", -150, actual=-148),
                        Milestone("Gateway build complete", -20, actual=-12),
                        Milestone("Parallel run starts", 40),
                        Milestone("Cut-over to the new payments platform", 120, go_live=True)),
            risks=(("risk", "Card scheme certification slips", 4, 5, "mitigating",
                    "Book the scheme's test slots now; keep the old gateway warm until certified."),
                   ("risk", "One engineer knows the settlement files", 3, 4, "open",
                    "Pair a second engineer on every settlement change."),
                   ("issue", "Performance test environment is unstable", 5, 3, "open",
                    "Platform team to rebuild it on the new landing zone.")),
            overspend=1.11),
    Project("Customer portal redesign", "grow", "executing", "marc.cmo",
            "40 % of contact-centre calls are status questions the portal cannot answer.",
            {GROW: 5, COST: 4}, start=-4, months=5, budget=120000, manager="petra.pm",
            service_owner="sofia.owner", support_team="Digital channels", touches=("Customer portal", "portal-app"),
            case=Case(capex=80000, build=5, opex=2000, benefit=9000, benefit_from=6),
            inputs={"value": 8, "risk": 4, "urgency": 7, "business_value": 13, "time_criticality": 8,
                    "risk_reduction": 3, "job_size": 8},
            demand=(("Backend developer", "python", 5, 8, -120, 60), ("UX designer", None, None, 20, -90, 30)),
            milestones=(Milestone("Design system approved", -100, actual=-97),
                        Milestone("Beta with 500 customers", -5, forecast=20, reason="Identity provider upgrade "
                                  "landed late; beta waits for single sign-on"),
                        Milestone("Portal go-live", 20, forecast=55, go_live=True,
                                  reason="Follows the beta: five weeks later")),
            risks=(("risk", "Single sign-on integration slips again", 3, 4, "mitigating",
                    "Weekly check-in with the identity team; fallback to local accounts for the beta."),
                   ("risk", "Accessibility findings need redesign", 2, 3, "open", "Audit early, on the beta.")),
            overspend=1.02),
    Project("Data centre network refresh", "run", "executing", "helen.coo",
            "Core switches reach end of support next year; a failure would take every service down.",
            {RESILIENT: 5, LEGACY: 4}, start=-3, months=4, budget=280000, manager="paul.pm",
            service_owner="victor.netops", support_team="Network", touches=("core-switch-01", "vpn-concentrator"),
            case=Case(capex=200000, build=4, opex=3000, benefit=14000, benefit_from=6),
            inputs={"value": 6, "risk": 5, "urgency": 9, "business_value": 8, "time_criticality": 13,
                    "risk_reduction": 20, "job_size": 13},
            demand=(("Network engineer", "firewalls", 2, 12, -90, 45), ("Network engineer", "load-balancers", 3, 8,
                                                                         -60, 45)),
            milestones=(Milestone("Low-level design approved", -60, actual=-58),
                        Milestone("Core switches installed", 10, forecast=21,
                                  reason="Line cards delivered two weeks late"),
                        Milestone("Traffic moved to the new core", 45, go_live=True)),
            risks=(("risk", "Cut-over overruns the maintenance window", 2, 5, "open",
                    "Rehearse on the lab core; back out by re-patching."),),
            overspend=0.97),
    Project("Partner API gateway", "grow", "executing", "marc.cmo",
            "Partners integrate by file transfer; each new partner takes three months.",
            {GROW: 5, LEGACY: 2}, start=-2, months=5, budget=160000, manager="petra.pm",
            service_owner="sofia.owner", support_team="Platform", touches=("pay-gw-app", "k8s-control-plane"),
            case=Case(capex=110000, build=5, opex=2500, benefit=11000, benefit_from=6),
            inputs={"value": 7, "risk": 3, "urgency": 6, "business_value": 13, "time_criticality": 5,
                    "risk_reduction": 3, "job_size": 8},
            demand=(("Platform engineer", "kubernetes", 1, 12, -45, 100), ("Java developer", "java", 4, 8, -45, 90)),
            milestones=(Milestone("First partner on the sandbox", 30), Milestone("API gateway live", 90, go_live=True)),
            risks=(("risk", "Partners slow to adopt OAuth", 3, 2, "open", "Offer a migration clinic."),)),
    Project("Cloud landing zone", "transform", "transition", "ivan.cio",
            "Every team builds its own cloud accounts; nothing is patched or costed the same way.",
            {RESILIENT: 3, COST: 3, LEGACY: 3}, start=-10, months=9, budget=380000, manager="paul.pm",
            service_owner="olga.ops", support_team="Platform", touches=("k8s-control-plane",),
            case=Case(capex=250000, build=9, opex=6000, benefit=25000, benefit_from=9),
            inputs={"value": 7, "risk": 4, "urgency": 5},
            demand=(("Platform engineer", "terraform", 1, 8, -240, 30), ("Platform engineer", "linux", 0, 8, -200,
                                                                           30)),
            milestones=(Milestone("Account factory live", -120, actual=-118),
                        Milestone("Landing zone go-live", -12, actual=-12, go_live=True)),
            benefits_realised=(0.6,)),
    Project("Backup platform replacement", "run", "transition", "helen.coo",
            "Restores take two days; the backup appliance is out of support.",
            {RESILIENT: 5, LEGACY: 4}, start=-8, months=7, budget=210000, manager="pia.pm",
            service_owner="olga.ops", support_team="Platform", touches=("pay-db", "legacy-ftp"),
            case=Case(capex=150000, build=7, opex=2500, benefit=11000, benefit_from=7),
            inputs={"value": 5, "risk": 3, "urgency": 7},
            demand=(("Storage engineer", "linux", 0, 4, -200, 20),),
            milestones=(Milestone("Restore test passed", -40, actual=-38),
                        Milestone("Backups on the new platform", -20, actual=-20, go_live=True)),
            benefits_realised=(0.8,)),
    Project("Windows Server 2012 retirement", "run", "closed", "helen.coo",
            "Extended support costs 1,800 a server a year, and it ends anyway.",
            {LEGACY: 5, COST: 3}, start=-14, months=10, budget=95000, manager="pia.pm",
            service_owner="grace.desk", support_team="Service Desk", touches=("legacy-ftp",),
            case=Case(capex=40000, build=10, opex=3000, benefit=9500, benefit_from=10, ramp=1),
            demand=(("Windows engineer", "windows", 6, 8, -420, -120),),
            milestones=(Milestone("Last server migrated", -130, actual=-125, go_live=True),),
            overspend=1.04, benefits_realised=(0.9, 1.0, 1.0, 1.05)),
    Project("Self-service password reset", "grow", "closed", "hugo.desk",
            "A quarter of service-desk calls are password resets.",
            {COST: 5, GROW: 1}, start=-12, months=7, budget=35000, manager="pia.pm",
            service_owner="grace.desk", support_team="Service Desk", touches=("Customer portal",),
            case=Case(capex=22000, build=7, opex=600, benefit=4200, benefit_from=7, ramp=3),
            demand=(("Service desk analyst", "itil", 7, 6, -360, -150),),
            milestones=(Milestone("Reset portal live", -150, actual=-152, go_live=True),),
            overspend=0.95, benefits_realised=(0.5, 0.8, 1.1, 1.2, 1.15)),
    Project("Monitoring consolidation", "run", "planning", "helen.coo",
            "Four monitoring tools, no single view of a service; incidents are found by customers.",
            {RESILIENT: 4, COST: 2}, start=1, months=6, budget=140000, manager="pia.pm",
            service_owner="olga.ops", support_team="Platform", touches=("k8s-control-plane", "pay-gw-app"),
            case=Case(capex=70000, build=6, opex=3500, benefit=9500, benefit_from=7),
            inputs={"value": 6, "risk": 3, "urgency": 6, "business_value": 8, "time_criticality": 5,
                    "risk_reduction": 8, "job_size": 5},
            demand=(("Observability engineer", "kubernetes", 1, 4, 35, 200), ("Service desk analyst", "itil", 6, 4,
                                                                              35, 200)),
            milestones=(Milestone("Tool selected", 30), Milestone("Single pane live", 200, go_live=True,
                                                                  baselined=False))),
    Project("ERP consolidation", "transform", "planning", "fiona.cfo",
            "Three ERPs after two acquisitions; month-end close takes twelve days.",
            {COST: 4, LEGACY: 3, REGULATORY: 2}, start=2, months=14, budget=1200000, manager="paul.pm",
            service_owner="fiona.cfo", support_team="Finance systems", touches=("pay-db",),
            case=Case(capex=900000, build=14, opex=15000, benefit=60000, benefit_from=15, ramp=9, months=60),
            inputs={"value": 8, "risk": 8, "urgency": 4, "business_value": 13, "time_criticality": 3,
                    "risk_reduction": 5, "job_size": 40},
            demand=(("SAP architect", None, None, 24, 60, 420),),
            risks=(("risk", "Data migration quality from the acquired ERPs", 4, 4, "open",
                    "Profile the data in the first month; budget for cleansing."),)),
    Project("Certificate lifecycle automation", "run", "approved", "ivan.cio",
            "Two outages last year came from expired certificates.",
            {RESILIENT: 5}, start=2, months=4, budget=60000, manager="pia.pm", touches=("pay-gw-app", "portal-app"),
            case=Case(capex=30000, build=4, opex=1000, benefit=3500, benefit_from=4, ramp=2),
            inputs={"value": 5, "risk": 2, "urgency": 8, "business_value": 5, "time_criticality": 8,
                    "risk_reduction": 13, "job_size": 3}),
    Project("Customer analytics platform", "grow", "approved", "marc.cmo",
            "Marketing cannot tell which campaigns bring customers who stay.",
            {GROW: 4}, start=3, months=8, budget=240000, manager="petra.pm", touches=("Customer portal",),
            case=Case(capex=160000, build=8, opex=5000, benefit=18000, benefit_from=9),
            inputs={"value": 7, "risk": 5, "urgency": 4, "business_value": 8, "time_criticality": 3,
                    "risk_reduction": 2, "job_size": 13}),
    Project("Usage-based billing", "grow", "on_hold", "fiona.cfo",
            "Flat fees lose the customers who use the API most lightly.",
            {GROW: 4}, start=1, months=7, budget=180000, manager="petra.pm", service_owner="sofia.owner",
            support_team="Finance systems", touches=("Payments",),
            case=Case(capex=120000, build=7, opex=3000, benefit=12000, benefit_from=8),
            inputs={"value": 6, "risk": 6, "urgency": 3, "business_value": 8, "time_criticality": 2,
                    "risk_reduction": 1, "job_size": 13},
            demand=(("Backend developer", "python", 5, 8, 30, 200),),
            held_after="planning", reason="Budget freeze until the quarterly portfolio review"),
    Project("Mainframe print service rewrite", "run", "terminated", "helen.coo",
            "Statement printing runs on a mainframe job nobody can change.",
            {LEGACY: 2}, start=2, months=12, budget=520000, manager="pia.pm", touches=("legacy-ftp",),
            case=Case(capex=450000, build=12, opex=6000, benefit=9000, benefit_from=13),
            killed_at="investment", reason="The value does not justify the cost: outsource statement printing"),
    Project("Mobile payments wallet", "grow", "proposed", "marc.cmo",
            "Younger customers pay by phone; we have no wallet.",
            {GROW: 5}, start=4, months=9, budget=600000, manager="petra.pm", touches=("Payments",),
            case=Case(capex=420000, build=9, opex=9000, benefit=42000, benefit_from=10, ramp=9, rate=0.1),
            inputs={"value": 9, "risk": 7, "urgency": 5, "business_value": 20, "time_criticality": 5,
                    "risk_reduction": 2, "job_size": 20}),
    Project("Zero-trust network access", "transform", "proposed", "ivan.cio",
            "The VPN grants the whole network to any laptop that connects.",
            {RESILIENT: 4, REGULATORY: 3}, start=5, months=10, budget=330000, touches=("vpn-concentrator",),
            inputs={"value": 7, "risk": 6, "urgency": 6, "business_value": 8, "time_criticality": 8,
                    "risk_reduction": 20, "job_size": 13}),
    Project("Strong customer authentication", "run", "proposed", "fiona.cfo",
            "The payment services regulation requires two-factor authentication on every payment by next year.",
            {REGULATORY: 5, GROW: 1}, start=2, months=8, budget=210000, manager="paul.pm",
            touches=("Payments", "pay-gw-app"),
            inputs={"value": 8, "risk": 4, "urgency": 10, "business_value": 13, "time_criticality": 20,
                    "risk_reduction": 13, "job_size": 8},
            entered_by_pmo=True),
    Project("Service desk knowledge base revamp", "run", "idea", "hugo.desk",
            "Agents search three wikis; first-contact resolution is 54 %.",
            {COST: 3}, start=3, months=4, budget=40000, inputs={"value": 4, "risk": 2, "urgency": 3}),
    Project("Chatbot for service requests", "grow", "idea", "hugo.desk",
            "Simple requests wait in the queue for a day.",
            {COST: 4, GROW: 2}, start=4, months=5, budget=75000,
            inputs={"value": 6, "risk": 5, "urgency": 4, "business_value": 5, "time_criticality": 3,
                    "risk_reduction": 1, "job_size": 5}),
    Project("AI-assisted incident triage", "transform", "idea", "ivan.cio",
            "Incidents bounce between teams for an hour before the right one picks them up.",
            {RESILIENT: 3, COST: 2}, start=6, months=8, budget=150000),
]


class Portfolio:
    """One demo load: the HTTP client, today's date, and the ids the projects refer to."""

    def __init__(self, client: httpx.Client, people: Sequence[Mapping[str, Any]], cis: Mapping[str, str]) -> None:
        self.client = client
        self.people = [str(person["id"]) for person in people]
        self.people_rows = list(people)
        self.cis = cis
        self.today = datetime.now(UTC).date()
        self.this_month = self.today.replace(day=1)
        self.objectives: list[str] = []
        self.counts = {"reviews": 0, "business_cases": 0, "milestones": 0, "risks": 0, "costs": 0, "benefits": 0}

    def call(self, method: str, path: str, sub: str, *roles: str, body: Any = None) -> Any:
        """One request as `sub` with these roles; a refused one stops the load, naming it."""
        token = mint_dev_token(platform_settings(), sub, list(roles))
        response = self.client.request(method, API + path, json=body, headers={"Authorization": f"Bearer {token}"})
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {API}{path} → {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def month(self, offset: int) -> date:
        """The first day of the month `offset` months from this one."""
        year, month = divmod(self.this_month.year * 12 + self.this_month.month - 1 + offset, 12)
        return date(year, month + 1, 1)

    def load(self, workers: int = 4) -> dict[str, int]:
        """Objectives, the default portfolio's gates, the projects (each carried through its story), scoring."""
        start, end = date(self.today.year, 1, 1), date(self.today.year + 1, 12, 31)
        for name, weight, description in OBJECTIVES:
            self.objectives.append(self.call("POST", "/objectives", "omar.pmo", "pmo", body={
                "name": name, "weight": weight, "description": description, "period_start": start.isoformat(),
                "period_end": end.isoformat()})["id"])
        for gate in GATES:
            members, quorum = (SCREENERS if gate == "screening" else BOARD), QUORUM[gate]
            self.call("PUT", f"/portfolios/default/gates/{gate}", "omar.pmo", "pmo", body={
                "criteria": GATE_CRITERIA[gate], "board": {"members": members,
                                                           "quorum": {"kind": "number", "value": quorum}}})
        # Created in order (the list shows them so), then each carried through its story; the stories are
        # independent, so a few run at once while the services work on the previous requests.
        ids = [self.create(project) for project in PROJECTS]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(self.story, PROJECTS, ids))
        # Created last, each model scores every project with inputs at once.
        strategic = self.call("POST", "/scoring-models", "omar.pmo", "pmo", body={
            "name": "Strategic value", "kind": "weighted", "description": "The board's weighting of the year.",
            "weights": {"strategic_alignment": 4, "value": 3, "risk": 2, "urgency": 1}})
        self.call("POST", "/scoring-models", "omar.pmo", "pmo", body={
            "name": "WSJF", "kind": "wsjf", "description": "Cost of delay over job size, for the delivery backlog."})
        selections = self.scenarios(strategic["id"], dict(zip((p.name for p in PROJECTS), ids, strict=True)))
        return {"projects": len(ids), "objectives": len(self.objectives), "selections": selections, **self.counts}

    def scenarios(self, model_id: str, ids: Mapping[str, str], wait: float = 15.0) -> int:
        """Two saved selection runs to compare: the base case and a what-if with one more Python developer."""
        token = mint_dev_token(platform_settings(), "omar.pmo", ["pmo"])
        headers = {"Authorization": f"Bearer {token}"}
        # Capacity publishes its snapshot a few seconds after the bookings; without one, plan against the people.
        deadline = datetime.now(UTC) + timedelta(seconds=wait)
        while self.client.get(f"{API}/capacity-outlook", headers=headers).status_code == 404:
            if datetime.now(UTC) > deadline:
                break
            time_module.sleep(0.5)
        snapshot = self.client.get(f"{API}/capacity-outlook", headers=headers).status_code == 200
        monday = self.today - timedelta(days=self.today.weekday())
        weeks = [(monday + timedelta(weeks=k)).isocalendar() for k in range(26)]
        labels = [f"{year}-W{week:02d}" for year, week, _ in weeks]
        capacity: dict[str, Any] = {"source": "snapshot"}
        if not snapshot:
            hours: dict[str, float] = {}
            for person in self.people_rows:
                for skill in person.get("skills", []):
                    name = skill["name"].lower()
                    hours[name] = hours.get(name, 0.0) + float(person.get("weekly_hours", 40))
            capacity = {"source": "explicit", "skills": {s: dict.fromkeys(labels, h) for s, h in hours.items()}}
        base: dict[str, Any] = {
            "name": "Base case",
            "description": "Strategic value and NPV; the regulatory work and what is executing first.",
            "value": {"kind": "mix", "model_id": model_id, "score_weight": 0.6, "npv_weight": 0.4},
            "horizon": {"first_week": labels[0], "weeks": 26},
            "budget_period": "year",
            "budget": {str(self.today.year): "1500000.00", str(self.today.year + 1): "2500000.00"},
            "currency": "EUR",
            "must_do": [ids["Strong customer authentication"]], "capacity": capacity,
            "frontier": {"budget_factors": [0.5, 0.75, 1.0, 1.25, 1.5]}}
        hire: dict[str, Any] = {**base, "name": "What if: one more Python developer",
                "description": "The base case with 32 h/week more Python from week 8.",
                "capacity": {**capacity, "deltas": [{"skill": "python", "hours_per_week": 32,
                                                     "from_week": labels[8]}]}}
        made = 0
        for body in (base, hire):
            # 422 with `conflicts` is a run kept as infeasible: still a scenario the demo shows.
            response = self.client.post(f"{API}/selections", json=body, headers=headers)
            if response.status_code not in (201, 202) and "conflicts" not in response.json():
                raise RuntimeError(f"POST {API}/selections → {response.status_code}: {response.text}")
            made += 1
        return made

    def create(self, project: Project) -> str:
        """Submit the project as an idea (or, entered by the PMO, as a proposal)."""
        go_live = self.month(project.start + project.months) + timedelta(days=14)
        body: dict[str, Any] = {
            "name": project.name, "category": project.category, "sponsor": project.sponsor,
            "problem_statement": project.problem, "project_manager": project.manager,
            "service_owner": project.service_owner, "support_team": project.support_team,
            "objectives": [{"objective_id": self.objectives[index], "contribution": contribution}
                           for index, contribution in project.objectives.items()],
            "services": [{"id": self.cis[name], "name": name} for name in project.touches if name[0].isupper()],
            "cis": [{"id": self.cis[name], "name": name} for name in project.touches if not name[0].isupper()],
            "start_date": self.month(project.start).isoformat(), "go_live_date": go_live.isoformat(),
            "budget_amount": str(project.budget), "budget_currency": "EUR"}
        if project.entered_by_pmo:
            created = self.call("POST", "/projects", "omar.pmo", "pmo", body={**body, "stage": "proposed"})
        else:
            created = self.call("POST", "/projects", project.manager or "sam.requester", "project_manager", body=body)
        return str(created["id"])

    def story(self, project: Project, pid: str) -> None:
        """Plan and record what a project of its stage would have, passing its gates on the way."""
        pm = (project.manager or "sam.requester", "project_manager")
        if project.held_after is not None:
            reached = STAGES.index(project.held_after)
        elif project.killed_at is not None:
            reached = GATES.index(project.killed_at)  # the stage the killing gate leads out of
        else:
            reached = STAGES.index(project.stage)
        if project.inputs:
            self.call("PUT", f"/projects/{pid}/scoring-inputs", *pm, body=dict(project.inputs))
        if project.case is not None:
            self.call("PUT", f"/projects/{pid}/business-case", *pm, body=self.business_case(project, project.case))
            self.counts["business_cases"] += 1
        planning, realised = STAGES.index("planning"), project.benefits_realised
        for stage in range(1 if project.entered_by_pmo else 0, min(reached, planning)):
            self.gate(pid, GATES[stage], pm)
        if reached >= planning:
            self.plan(project, pid, pm)
        if reached >= STAGES.index("executing"):
            self.gate(pid, "execute", pm)
            self.execute(project, pid, pm)
        if reached >= STAGES.index("transition"):
            self.gate(pid, "handover", pm)
            # A closed project measured its last month after closing; the others before.
            self.realise(project, pid, pm, range(len(realised) - (project.stage == "closed")))
        if project.stage == "closed":
            self.gate(pid, "closure", pm)
            self.realise(project, pid, pm, range(len(realised) - 1, len(realised)))
        if project.held_after is not None:
            self.call("POST", f"/projects/{pid}/defer", "omar.pmo", "pmo", body={"reason": project.reason})
        if project.killed_at is not None:
            self.gate(pid, project.killed_at, pm, votes=(("nina.finance", "kill"), ("ted.architect", "kill")),
                      comment=project.reason)

    def gate(self, pid: str, gate: str, opener: tuple[str, str], *,
             votes: Sequence[tuple[str, str]] = (), comment: str | None = None) -> None:
        """Open the review of the gate ahead and let the board decide it (go unless told otherwise)."""
        review = self.call("POST", f"/projects/{pid}/gates/{gate}/reviews", *opener, body={})
        self.counts["reviews"] += 1
        board = votes or [(voter, "go") for voter in review["voters"][:review["quorum"]["value"]]]
        for voter, vote in board:
            decided = self.call("POST", f"/projects/{pid}/gates/{gate}/reviews/{review['id']}/votes", voter,
                                "viewer", body={"vote": vote, "comment": comment or "Criteria met; go."})
        if decided["state"] == "open":
            raise RuntimeError(f"the {gate} review of project {pid} is still open: {decided}")

    def business_case(self, project: Project, case: Case) -> dict[str, Any]:
        """Monthly lines from the project's start: capex while building, opex throughout, benefits ramping up."""
        lines = []
        for t in range(case.months):
            month = self.month(project.start + t).strftime("%Y-%m")
            if t < case.build:
                lines.append({"month": month, "kind": "capex", "amount": f"{case.capex / case.build:.2f}",
                              "description": "Build" if t else "Licences and build"})
            lines.append({"month": month, "kind": "opex", "amount": f"{case.opex:.2f}"})
            if t >= case.benefit_from:
                share = min(1.0, (t - case.benefit_from + 1) / case.ramp)
                lines.append({"month": month, "kind": "benefit", "amount": f"{case.benefit * share:.2f}"})
        return {"currency": "EUR", "discount_rate": case.rate,
                "horizon_start": self.month(project.start).strftime("%Y-%m"), "lines": lines}

    def plan(self, project: Project, pid: str, pm: tuple[str, str]) -> None:
        """Demand, milestones and risks: what mobilising a project produces."""
        if project.demand:
            self.call("PUT", f"/projects/{pid}/demand", *pm, body={"lines": [
                {"role": role, "skill": skill, "hours_per_week": hours, "start": self.day(first),
                 "end": self.day(last), "kind": "hard" if first < 0 else "soft",
                 **({} if person is None else {"person_id": self.people[person]})}
                for role, skill, person, hours, first, last in project.demand]})
        for milestone in project.milestones:
            self.milestone(project, pid, pm, milestone)
        for kind, title, probability, impact, status, mitigation in project.risks:
            risk = self.call("POST", f"/projects/{pid}/risks", *pm, body={
                "kind": kind, "title": title, "probability": probability, "impact": impact, "owner": pm[0],
                "mitigation": mitigation})
            if status != "open":
                self.call("PATCH", f"/projects/{pid}/risks/{risk['id']}", *pm, body={"status": status})
            self.counts["risks"] += 1

    def milestone(self, project: Project, pid: str, pm: tuple[str, str], milestone: Milestone) -> None:
        """Plan a milestone on its baseline, complete it if it was reached, move its forecast if it slipped."""
        body: dict[str, Any] = {"name": milestone.name, "kind": "go_live" if milestone.go_live else "milestone",
                                "forecast_date": self.day(milestone.baseline), "baseline": milestone.baselined}
        if milestone.go_live:
            body.update(self.cut_over(milestone.baseline), service_ids=[self.cis[n] for n in project.touches
                                                                          if n[0].isupper()],
                        ci_ids=[self.cis[n] for n in project.touches if not n[0].isupper()])
        created = self.call("POST", f"/projects/{pid}/milestones", *pm, body=body)
        path = f"/projects/{pid}/milestones/{created['id']}"
        if milestone.forecast is not None:  # it slipped: a go-live's cut-over moves with it
            moved = self.cut_over(milestone.forecast) if milestone.go_live else {}
            self.call("PATCH", path, *pm, body={"forecast_date": self.day(milestone.forecast),
                                                "reason": milestone.reason, **moved})
        if milestone.actual is not None:
            self.call("POST", f"{path}/complete", *pm, body={"actual_date": self.day(milestone.actual)})
        self.counts["milestones"] += 1

    def cut_over(self, offset: int) -> dict[str, str]:
        """A go-live's cut-over window: the night from the Saturday of that day's week, 22:00 UTC, for six hours."""
        day = self.today + timedelta(days=offset)
        start = datetime.combine(day + timedelta(days=5 - day.weekday()), time(22, 0), tzinfo=UTC)
        return {"window_start": start.isoformat(), "window_end": (start + timedelta(hours=6)).isoformat()}

    def execute(self, project: Project, pid: str, pm: tuple[str, str]) -> None:
        """Actual costs against the plan, and the scope changes and status of the star projects."""
        if project.case is not None:
            case = project.case
            # Month by month while executing, where the budget's colour is judged; the projects past go-live were
            # invoiced by the quarter (a third of the requests).
            step = 1 if project.stage == "executing" else 3
            for first in range(0, -project.start + 1, step):  # from the start up to this month
                months = range(first, min(first + step, -project.start + 1))
                spent = sum(((case.capex / case.build if t < case.build else 0) + case.opex)
                            * project.overspend * (1.0 + 0.03 * ((t % 3) - 1)) for t in months)  # months vary a little
                self.call("POST", f"/projects/{pid}/costs", *pm, body={
                    "month": self.month(project.start + months[-1]).strftime("%Y-%m"), "amount": f"{spent:.2f}",
                    "currency": "EUR", "category": "services" if first else "licences"})
                self.counts["costs"] += 1
        for title, days, cost, decision in SCOPE_CHANGES.get(project.name, ()):
            change = self.call("POST", f"/projects/{pid}/scope-changes", *pm, body={
                "title": title, "schedule_impact_days": days, "cost_impact": str(cost), "currency": "EUR"})
            if decision is not None:
                self.call("POST", f"/projects/{pid}/scope-changes/{change['id']}/{decision}", "omar.pmo", "pmo",
                          body={"note": "Decided at the portfolio board"})
        if project.name in STATUS_REPORTS:
            self.call("POST", f"/projects/{pid}/status-reports", *pm, body={"narrative": STATUS_REPORTS[project.name]})

    def realise(self, project: Project, pid: str, pm: tuple[str, str], months: range) -> None:
        """Benefits measured in the months since go-live (up to this one), as shares of the planned full benefit."""
        if project.case is None:
            return
        first = 1 - len(project.benefits_realised)
        for index in months:
            self.call("POST", f"/projects/{pid}/benefits-realised", *pm, body={
                "month": self.month(first + index).strftime("%Y-%m"),
                "amount": f"{project.case.benefit * project.benefits_realised[index]:.2f}",
                "note": "From the finance month-end report."})
            self.counts["benefits"] += 1


SCOPE_CHANGES: dict[str, list[tuple[str, int, int, str | None]]] = {  # title, days, cost, approve/reject/pending
    "Customer portal redesign": [("Accessibility audit (WCAG 2.2 AA) before go-live", 10, 12000, "approve"),
                                 ("Live chat on every page", 15, 30000, "reject")],
    "Payments platform migration": [("Add the instant payments rail", 30, 60000, None)],
}
STATUS_REPORTS = {
    "Payments platform migration": "Gateway build done; parallel run on plan. Spend is 11 % over the plan to date "
                                   "(certification consultants); the scheme's certification is the risk to watch.",
    "Customer portal redesign": "Beta waits for single sign-on; go-live re-forecast by five weeks. The sponsor asked "
                                "for a recovery plan at the next board.",
}


def seed_portfolio(client: httpx.Client, people: Sequence[Mapping[str, Any]], cis: Mapping[str, str]
                   ) -> dict[str, int]:
    """Load the demo portfolio through the API (people: capacity's, for demand; cis: change's ids by name)."""
    return Portfolio(client, people, cis).load()
