"""Alembic environment of the capacity service."""

from alembic import context

from tandem_capacity.models import Base
from tandem_shared.migrations import run_env

run_env(context, "capacity", Base.metadata)
