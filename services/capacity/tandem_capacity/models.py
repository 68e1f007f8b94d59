"""Every table of the capacity service on its one metadata (`base.Base`): what Alembic's environment migrates."""

from __future__ import annotations

# Imported for their side effect: each package's tables join the metadata.
import tandem_capacity.availability.models
import tandem_capacity.bookings.models
import tandem_capacity.demand.models
import tandem_capacity.episodes.models
import tandem_capacity.loads.models
import tandem_capacity.operations.models
import tandem_capacity.people.models
import tandem_capacity.scenarios.models
import tandem_capacity.snapshots.models  # noqa: F401
from tandem_capacity.base import Base

__all__ = ["Base"]
