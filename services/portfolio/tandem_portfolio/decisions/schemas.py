"""Bodies of the decision API (defer, resume, terminate, and the records gate reviews leave)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class DecisionCreate(BaseModel):
    """Why the project moves."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "Budget moved to 2028."}]})

    reason: Reason


class DecisionRead(BaseModel):
    """A decision record: who moved the project, why, when, from which stage to which."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    action: str = Field(description="defer, resume, terminate, recycle, or the name of the gate passed.")
    from_stage: str
    to_stage: str
    reason: str
    decided_by: str
    decided_at: datetime
    gate: str | None = Field(description="The gate whose review decided it, if any.")
    review_id: uuid.UUID | None
