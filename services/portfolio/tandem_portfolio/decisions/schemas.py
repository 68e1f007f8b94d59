"""Bodies of the deferral and termination API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class DecisionCreate(BaseModel):
    """Why the project stops."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "Budget moved to 2028."}]})

    reason: Reason


class DecisionRead(BaseModel):
    """A decision record: who stopped the project, why, when, from which stage."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    action: Literal["defer", "terminate"]
    from_stage: str
    to_stage: str
    reason: str
    decided_by: str
    decided_at: datetime
