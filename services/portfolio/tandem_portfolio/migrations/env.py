"""Alembic environment of the portfolio service."""

from alembic import context
from tandem_shared.migrations import run_env

# Every package's tables join the metadata.
import tandem_portfolio.business_cases.models
import tandem_portfolio.costs.models
import tandem_portfolio.decisions.models
import tandem_portfolio.demand.models
import tandem_portfolio.gates.models
import tandem_portfolio.milestones.models
import tandem_portfolio.objectives.models
import tandem_portfolio.projects.models
import tandem_portfolio.risks.models
import tandem_portfolio.scope.models
import tandem_portfolio.scoring.models
import tandem_portfolio.status.models
import tandem_portfolio.status.projection  # noqa: F401
from tandem_portfolio.base import Base

run_env(context, "portfolio", Base.metadata)
