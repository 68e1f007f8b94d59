"""Request and response bodies of projects."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from tandem_shared.api import Page
from tandem_shared.bounds import PlanDate

from tandem_portfolio.projects.lifecycle import ProjectCategory, ProjectStage

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PortfolioName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
Text = Annotated[str, StringConstraints(max_length=20_000)]
CENT = Decimal("0.01")
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Budget = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class StakeholderRole(StrEnum):
    """Why someone has a stake; the first three follow the project's fields."""

    SPONSOR = "sponsor"
    PROJECT_MANAGER = "project_manager"
    SERVICE_OWNER = "service_owner"
    OTHER = "other"


DERIVED_ROLES = {StakeholderRole.SPONSOR: "sponsor", StakeholderRole.PROJECT_MANAGER: "project_manager",
                 StakeholderRole.SERVICE_OWNER: "service_owner"}  # role -> the project field naming them


class ObjectiveLink(BaseModel):
    """A strategic objective the project serves, and how much (0 none … 5 decisive)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    objective_id: uuid.UUID
    contribution: int = Field(ge=0, le=5)


class Touched(BaseModel):
    """A business service or CI of change's CMDB, kept as given (the name is what the submitter saw)."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class Stakeholder(BaseModel):
    """Someone with a stake in the project."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    sub: PersonRef
    role: StakeholderRole


def _unique(items: list, key, what: str) -> list:
    keys = [key(item) for item in items]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{what} is listed twice")
    return items


class ProjectFields(BaseModel):
    """Fields a submitter sets and owners edit later."""

    model_config = ConfigDict(extra="forbid")

    description: Text | None = None
    problem_statement: Text | None = Field(None, description="The problem the idea solves, for the screening gate.")
    sponsor: PersonRef | None = Field(None, description="Who sponsors the project (a user id or name).")
    project_manager: PersonRef | None = Field(None, description="The project manager (a token subject).")
    service_owner: PersonRef | None = Field(None, description="Owner of the receiving service (named at planning).")
    support_team: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = \
        Field(None, description="The team that will support the result in operation.")
    delivery_team: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = \
        Field(None, description="The team delivering the project, as capacity and change name it; its change "
              "success score below the threshold raises a delivery risk.")
    objectives: list[ObjectiveLink] | None = Field(None, max_length=50)
    services: list[Touched] | None = Field(None, max_length=200, description="Business services it will touch.")
    cis: list[Touched] | None = Field(None, max_length=500, description="Configuration items it will touch.")
    stakeholders: list[Stakeholder] | None = Field(
        None, max_length=100, description="Other stakeholders (role `other`); sponsor, project manager and service "
        "owner are stakeholders through their fields.")
    start_date: PlanDate | None = None
    go_live_date: PlanDate | None = None
    budget_amount: Budget | None = None
    budget_currency: Currency | None = Field(None, description="ISO 4217 code, e.g. EUR; required with budget_amount.")

    @field_validator("objectives")
    @classmethod
    def _objectives_once(cls, links: list[ObjectiveLink] | None) -> list[ObjectiveLink] | None:
        return None if links is None else _unique(links, lambda link: link.objective_id, "an objective")

    @field_validator("services", "cis")
    @classmethod
    def _touched_once(cls, items: list[Touched] | None) -> list[Touched] | None:
        return None if items is None else _unique(items, lambda item: item.id, "an id")

    @field_validator("stakeholders")
    @classmethod
    def _others_only(cls, people: list[Stakeholder] | None) -> list[Stakeholder] | None:
        if people is None:
            return None
        for person in people:
            if person.role in DERIVED_ROLES:
                raise ValueError(f"set the {DERIVED_ROLES[person.role]} field to name the {person.role.value}")
        return _unique(people, lambda person: person.sub, "a stakeholder")

    @field_validator("go_live_date")
    @classmethod
    def _not_before_start(cls, go_live: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if go_live is not None and start is not None and go_live < start:
            raise ValueError("must not be before start_date")
        return go_live

    @field_validator("budget_amount")
    @classmethod
    def _two_places(cls, amount: Decimal | None) -> Decimal | None:
        # Stored as Numeric(14, 2): answer with the same scale the database will give back.
        return None if amount is None else amount.quantize(CENT)

    @field_validator("budget_currency")
    @classmethod
    def _currency_with_amount(cls, currency: str | None, info: ValidationInfo) -> str | None:
        if currency is None and info.data.get("budget_amount") is not None:
            raise ValueError("is required when budget_amount is given")
        return currency


class ProjectCreate(ProjectFields):
    """A new idea (or, for the PMO, a proposal that skips screening)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Customer portal relaunch", "category": "transform", "sponsor": "cfo",
        "problem_statement": "Customers cannot self-serve; 40 % of calls are status questions.",
        "objectives": [{"objective_id": "0b6f8a1e-8d1c-4a43-9a3e-0f6a1c2b3d4e", "contribution": 4}],
        "services": [{"id": "5f1c2f9e-3c1e-4b9b-9a55-0f5f0c1c7a10", "name": "Customer portal"}],
        "cis": [{"id": "9a0e8a3b-1d2c-4e5f-8a9b-0c1d2e3f4a5b", "name": "portal-app"}],
        "start_date": "2027-01-04", "go_live_date": "2027-06-30", "budget_amount": "1250000.00",
        "budget_currency": "EUR",
    }]})

    name: Name
    category: ProjectCategory = ProjectCategory.GROW
    portfolio: PortfolioName = Field("default", description="The portfolio whose gates apply.")
    stage: Literal["idea", "proposed"] = Field(
        "idea", description="An intake is an idea; `proposed` skips the screening gate (PMO and admin only).")
    budget_currency: Currency | None = Field(
        None, validate_default=True, description="ISO 4217 code, e.g. EUR; required with budget_amount.")


class ProjectUpdate(ProjectFields):
    """Fields to change (lists replace the whole list); the others stay. Send the ETag in If-Match."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "project_manager": "paula", "service_owner": "sofia", "support_team": "Service desk L2"}]})

    name: Name | None = None
    category: ProjectCategory | None = None
    portfolio: PortfolioName | None = None


class TouchedRead(BaseModel):
    """A service or CI the project touches."""

    id: uuid.UUID
    name: str | None


class ProjectRead(BaseModel):
    """A project as stored, with its links."""

    id: uuid.UUID
    name: str
    description: str | None
    problem_statement: str | None
    category: ProjectCategory
    stage: ProjectStage
    held_from_stage: ProjectStage | None = Field(description="On hold: the stage `resume` returns to.")
    portfolio: str
    sponsor: str | None
    project_manager: str | None
    service_owner: str | None
    support_team: str | None
    delivery_team: str | None
    objectives: list[ObjectiveLink]
    services: list[TouchedRead]
    cis: list[TouchedRead]
    stakeholders: list[Stakeholder]
    start_date: date | None
    go_live_date: date | None
    budget_amount: Decimal | None = Field(description="A decimal string with two places, e.g. \"1250000.00\".")
    budget_currency: str | None
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class ProjectPage(Page[ProjectRead]):
    """A page of projects."""
