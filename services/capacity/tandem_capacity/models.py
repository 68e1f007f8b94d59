"""Every table of the capacity service on its one metadata: what Alembic's environment compares and migrates.

Each package declares its tables on `tandem_capacity.base.Base`; importing them here registers them all.
"""

from __future__ import annotations

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
