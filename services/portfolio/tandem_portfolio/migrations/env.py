"""Alembic environment of the portfolio service."""

from alembic import context
from tandem_shared.migrations import run_env

import tandem_portfolio.business_cases.models  # noqa: F401 - every package's tables join the metadata
import tandem_portfolio.decisions.models  # noqa: F401
import tandem_portfolio.demand.models  # noqa: F401
import tandem_portfolio.gates.models  # noqa: F401
import tandem_portfolio.objectives.models  # noqa: F401
import tandem_portfolio.projects.models  # noqa: F401
import tandem_portfolio.scoring.models  # noqa: F401
from tandem_portfolio.base import Base

run_env(context, "portfolio", Base.metadata)
