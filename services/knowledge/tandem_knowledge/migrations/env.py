"""Alembic environment of the knowledge service."""

from alembic import context
from tandem_shared.migrations import run_env

from tandem_knowledge.models import Base

run_env(context, "knowledge", Base.metadata)
