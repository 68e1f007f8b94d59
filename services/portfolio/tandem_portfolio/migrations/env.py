"""Alembic environment of the portfolio service."""

from alembic import context
from tandem_shared.migrations import run_env

from tandem_portfolio.models import Base  # imports every package's models: all tables join the metadata

run_env(context, "portfolio", Base.metadata)
