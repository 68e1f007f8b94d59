"""Alembic environment of the change service."""

from alembic import context

from tandem_change.models import Base
from tandem_shared.migrations import run_env

run_env(context, "change", Base.metadata)
