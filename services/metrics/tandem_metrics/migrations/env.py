"""Alembic environment of the metrics service."""

from alembic import context
from tandem_shared.migrations import run_env

from tandem_metrics.models import Base

run_env(context, "metrics", Base.metadata)
