"""Request and response bodies of the CMDB API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic.json_schema import SkipJsonSchema
from tandem_shared.api import Page
from tandem_shared.bounds import PlanDatetime
from tandem_shared.db import utcnow

from tandem_change.cmdb.maintenance import normalise_rrule

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Team = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Criticality = Annotated[int, Field(ge=1, le=5, description="1 is the most critical, 5 the least.")]
MinUp = Annotated[int, Field(ge=1, le=1000, description="Providers that must stay up for this CI to stay up; "
                                                       "null means it needs every provider.")]


class CIClass(StrEnum):
    SERVER = "server"
    VIRTUAL_MACHINE = "virtual_machine"
    DATABASE = "database"
    APPLICATION = "application"
    NETWORK_DEVICE = "network_device"
    LOAD_BALANCER = "load_balancer"
    STORAGE = "storage"
    BUSINESS_SERVICE = "business_service"
    OTHER = "other"


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    TEST = "test"
    DEVELOPMENT = "development"


class CIStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class RelationshipType(StrEnum):
    DEPENDS_ON = "depends_on"
    RUNS_ON = "runs_on"
    CONNECTS_TO = "connects_to"


class BlackoutScope(StrEnum):
    GLOBAL = "global"
    SERVICE = "service"
    CI = "ci"


class CICreate(BaseModel):
    """A new configuration item (a business service is a CI of class business_service)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "pay-gw-01", "ci_class": "server", "criticality": 2, "environment": "production",
        "owner_team": "Payments", "service_owner": "dana@example.com", "description": "Payment gateway node",
    }]})

    name: Name = Field(description="Unique name of the CI.")
    ci_class: CIClass
    criticality: Criticality = 3
    environment: Environment = Environment.PRODUCTION
    owner_team: Team | None = None
    service_owner: str | None = Field(None, max_length=200, description="Who answers for the CI (name or email).")
    min_up: MinUp | None = None
    description: str | None = Field(None, max_length=20_000)


class CIUpdate(BaseModel):
    """Fields to change on a CI; send only those that change (null clears an optional field)."""

    model_config = ConfigDict(extra="forbid")

    # SkipJsonSchema: these refuse null, so the document does not offer it (absent means unchanged).
    name: Name | SkipJsonSchema[None] = None
    ci_class: CIClass | SkipJsonSchema[None] = None
    criticality: Criticality | SkipJsonSchema[None] = None
    environment: Environment | SkipJsonSchema[None] = None
    owner_team: Team | None = None
    service_owner: str | None = Field(None, max_length=200)
    min_up: MinUp | None = None
    description: str | None = Field(None, max_length=20_000)

    @field_validator("name", "ci_class", "criticality", "environment")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only for values sent: an explicit null on a required column is refused, naming the field.
        if value is None:
            raise ValueError("cannot be null")
        return value


class CIRead(BaseModel):
    """A configuration item as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    ci_class: CIClass
    criticality: int
    environment: Environment
    owner_team: str | None
    service_owner: str | None
    min_up: int | None
    description: str | None
    status: CIStatus
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class CIPage(Page[CIRead]):
    """A page of configuration items, sorted by name."""


class RelationshipCreate(BaseModel):
    """This CI (the source) depends on / runs on / connects to the target CI (the provider)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "target_id": "0b8f6f6e-3c1a-4e0b-9a51-2f4d8c7e9a10", "type": "runs_on"}]})

    target_id: uuid.UUID = Field(description="The provider CI.")
    type: RelationshipType


class RelationshipRead(BaseModel):
    """A relationship seen from one CI: `direction` says whether that CI is the source or the target."""

    id: uuid.UUID
    source_id: uuid.UUID
    target_id: uuid.UUID
    type: RelationshipType
    direction: str = Field(description="outgoing: this CI is the source (it depends on the other); incoming: "
                                        "the other CI depends on this one.")
    other_id: uuid.UUID
    other_name: str
    other_status: CIStatus
    created_by: str
    created_at: datetime


class MaintenanceWindowCreate(BaseModel):
    """A recurring window in which changes to the CI may run."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "rrule": "FREQ=WEEKLY;BYDAY=SA", "starts_at": "2026-12-05T22:00:00+00:00", "duration_minutes": 240,
        "description": "Saturday night",
    }]})

    starts_at: PlanDatetime = Field(description="Start of the first occurrence (DTSTART).")
    rrule: str = Field(max_length=1000, description="RFC 5545 RRULE (FREQ HOURLY..YEARLY), e.g. FREQ=WEEKLY;BYDAY=SA.")
    duration_minutes: int = Field(gt=0, le=60 * 24 * 31, description="Length of each occurrence.")
    description: str | None = Field(None, max_length=500)

    @field_validator("rrule")
    @classmethod
    def _valid_rrule(cls, rule: str, info: ValidationInfo) -> str:
        # Without a valid starts_at (reported on its own) any aware start checks the syntax equally well.
        return normalise_rrule(rule, info.data.get("starts_at") or utcnow())


class MaintenanceWindowRead(BaseModel):
    """A maintenance window as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    ci_id: uuid.UUID
    rrule: str
    starts_at: datetime
    duration_minutes: int
    description: str | None


class BlackoutCreate(BaseModel):
    """A period in which no change may run."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Year-end freeze", "start": "2026-12-20T00:00:00+00:00", "end": "2027-01-03T00:00:00+00:00",
        "scope": "global", "reason": "Finance closing",
    }]})

    name: Name
    reason: str | None = Field(None, max_length=5_000)
    start: PlanDatetime
    end: PlanDatetime
    scope: BlackoutScope = Field(description="global: everything; service: a business service (ci_id); ci: one CI.")
    ci_id: uuid.UUID | None = Field(None, validate_default=True,
                                    description="The business service (scope service) or CI (scope ci).")

    @field_validator("end")
    @classmethod
    def _ends_after_start(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError("must be after start")
        return end

    @field_validator("ci_id")
    @classmethod
    def _matches_scope(cls, ci_id: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
        scope = info.data.get("scope")
        if scope is not None:
            check_scope(scope, ci_id)
        return ci_id


class BlackoutUpdate(BaseModel):
    """Fields to change on a blackout window; scope and ci_id are checked together with the stored ones."""

    model_config = ConfigDict(extra="forbid")

    name: Name | SkipJsonSchema[None] = None  # refused as null (cmdb.service.update_blackout)
    reason: str | None = Field(None, max_length=5_000)
    start: PlanDatetime | SkipJsonSchema[None] = None
    end: PlanDatetime | SkipJsonSchema[None] = None
    scope: BlackoutScope | SkipJsonSchema[None] = None
    ci_id: uuid.UUID | None = None


class BlackoutRead(BaseModel):
    """A blackout window as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    reason: str | None
    start: datetime
    end: datetime
    scope: BlackoutScope
    ci_id: uuid.UUID | None
    version: int
    created_by: str
    created_at: datetime


class BlackoutPage(Page[BlackoutRead]):
    """A page of blackout windows, sorted by start."""


def check_scope(scope: str, ci_id: uuid.UUID | None) -> None:
    """ValueError when scope and ci_id disagree (global has no CI; service and ci need one)."""
    if scope == BlackoutScope.GLOBAL and ci_id is not None:
        raise ValueError("must be null for scope global")
    if scope != BlackoutScope.GLOBAL and ci_id is None:
        raise ValueError(f"is required for scope {scope}")


class ImportRowError(BaseModel):
    """Why one row of an import was not applied."""

    row: int = Field(description="1-based row number (CSV: data rows after the header; JSON: list position).")
    field: str
    message: str


class ImportResult(BaseModel):
    """Outcome of a bulk import: valid rows were applied, each invalid row is reported."""

    created: int
    updated: int
    errors: list[ImportRowError]
