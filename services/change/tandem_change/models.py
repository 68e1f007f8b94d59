"""Every table of the change service on its one metadata: Alembic's env imports this to see them all."""

from __future__ import annotations

# Imported for their side effect: each module's tables join Base.metadata.
from tandem_change.approvals import models as approvals_models  # noqa: F401
from tandem_change.bookings import models as bookings_models  # noqa: F401
from tandem_change.cmdb import models as cmdb_models  # noqa: F401
from tandem_change.db import Base
from tandem_change.feeds import models as feeds_models  # noqa: F401
from tandem_change.people import models as people_models  # noqa: F401
from tandem_change.record import models as record_models  # noqa: F401
from tandem_change.risk import models as risk_models  # noqa: F401
from tandem_change.scheduling import models as scheduling_models  # noqa: F401
from tandem_change.scores import models as scores_models  # noqa: F401
from tandem_change.standard import models as standard_models  # noqa: F401

__all__ = ["Base"]
