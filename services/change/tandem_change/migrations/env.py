"""Alembic environment of the change service."""

from alembic import context
from tandem_shared.migrations import run_env

from tandem_change.models import Base

run_env(context, "change", Base.metadata)
