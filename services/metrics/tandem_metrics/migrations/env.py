"""Alembic environment of the metrics service."""

from alembic import context

from tandem_metrics.models import Base
from tandem_shared.migrations import run_env

run_env(context, "metrics", Base.metadata)
