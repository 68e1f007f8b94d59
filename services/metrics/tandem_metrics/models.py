"""Every table of the metrics service, for Alembic and for anything that needs the whole metadata."""

from __future__ import annotations

from tandem_metrics.base import Base
from tandem_metrics.changes.models import ChangeFacts
from tandem_metrics.kpis.models import KpiStatus, KpiTarget, KpiValue
from tandem_metrics.links.models import IncidentLink
from tandem_metrics.people.models import BookingFacts, EpisodeFacts, PersonFacts
from tandem_metrics.projects.models import ProjectFacts
from tandem_metrics.services.models import ServiceHours
from tandem_metrics.signals.models import CsatResponse, Incident, Outage

__all__ = ["Base", "BookingFacts", "ChangeFacts", "CsatResponse", "EpisodeFacts", "Incident", "IncidentLink",
           "KpiStatus", "KpiTarget", "KpiValue", "Outage", "PersonFacts", "ProjectFacts", "ServiceHours"]
