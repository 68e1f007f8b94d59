"""Alembic environment of the portfolio service."""

from alembic import context

from tandem_portfolio.models import Base
from tandem_shared.migrations import run_env

run_env(context, "portfolio", Base.metadata)
