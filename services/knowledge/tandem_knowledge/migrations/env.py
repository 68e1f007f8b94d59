"""Alembic environment of the knowledge service."""

from alembic import context

from tandem_knowledge.models import Base
from tandem_shared.migrations import run_env

run_env(context, "knowledge", Base.metadata)
