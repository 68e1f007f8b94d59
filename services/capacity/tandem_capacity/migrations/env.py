"""Alembic environment of the capacity service."""

from alembic import context
from tandem_shared.migrations import run_env

from tandem_capacity.models import Base  # imports every package's models: all tables join the metadata

run_env(context, "capacity", Base.metadata)
