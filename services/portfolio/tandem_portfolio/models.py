"""Every table of the portfolio service on its one metadata (`base.Base`): what Alembic's environment migrates."""

from __future__ import annotations

# Imported for their side effect: each package's tables join the metadata.
import tandem_portfolio.business_cases.models
import tandem_portfolio.capacity_outlook.models
import tandem_portfolio.costs.models
import tandem_portfolio.decisions.models
import tandem_portfolio.demand.models
import tandem_portfolio.disruption.models
import tandem_portfolio.gates.models
import tandem_portfolio.handover.models
import tandem_portfolio.handover.projection
import tandem_portfolio.labour.models
import tandem_portfolio.milestones.models
import tandem_portfolio.objectives.models
import tandem_portfolio.projects.models
import tandem_portfolio.risks.models
import tandem_portfolio.scope.models
import tandem_portfolio.scoring.models
import tandem_portfolio.selections.models
import tandem_portfolio.status.models
import tandem_portfolio.status.projection
import tandem_portfolio.teams.models  # noqa: F401
from tandem_portfolio.base import Base

__all__ = ["Base"]
