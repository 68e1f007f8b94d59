"""Events published by the portfolio service on `tandem.portfolio`."""

from __future__ import annotations

import uuid
from datetime import date

from tandem_shared.events import EventData, event_type


@event_type("portfolio.project.created.v1")
class ProjectCreated(EventData):
    """A project entered the portfolio (stage proposed)."""

    id: uuid.UUID
    name: str
    category: str
    stage: str
    sponsor: str | None
    start_date: date | None
    go_live_date: date | None
    created_by: str
