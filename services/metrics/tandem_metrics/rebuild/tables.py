"""Which metrics tables a rebuild derives again, and how: every table of the service is in exactly one group.

- projections: state derived from consumed events; rebuilt empty, then filled by replaying the events;
- facts: what other systems sent (signals over HTTP or the inbound topic) and service hours set over HTTP; not
  events, so kept: copied into the fresh set as they are, except `derived` columns (what a signal counted), which
  the rebuild computes again with everything else that signals feed (links, their KPI values);
- settings: the PMO's targets and thresholds, read by the rebuild and left alone.
"""

from __future__ import annotations

import sqlalchemy as sa

from tandem_metrics.models import Base

PROJECTIONS = ("kpi_values", "kpi_statuses", "metrics_changes", "metrics_projects", "metrics_people",
               "metrics_bookings", "metrics_episodes", "metrics_incident_links")
# Fact table → its derived columns, reset when copied (the rebuild counts every signal again from nothing).
FACTS: dict[str, tuple[str, ...]] = {
    "metrics_incidents": ("counted",), "metrics_outages": (), "metrics_csat": ("counted",), "metrics_services": (),
}
SETTINGS = ("kpi_targets",)


def unclassified() -> set[str]:
    """Tables of the service no group names (a new table must say whether a rebuild replays, keeps or skips it)."""
    return set(Base.metadata.tables) - {*PROJECTIONS, *FACTS, *SETTINGS}


def swapped_tables() -> list[sa.Table]:
    """The tables a rebuild makes afresh and swaps in: projections and facts, parents before children."""
    names = {*PROJECTIONS, *FACTS}
    return [table for table in Base.metadata.sorted_tables if table.name in names]


# Projections the handlers write through the ORM alone (no Core statement touches them): the rebuild's sessions
# answer lookups of their rows by key from the objects they hold (`session.py`).
ORM_ONLY = ("metrics_projects",)
# Projections written only as keyed Core rows (`tandem_shared.rows.KeyedRows`): the rebuild's sessions hold every row
# of them in a RowStore, so a lookup by key never queries.
KEYED = ("metrics_people", "metrics_bookings", "metrics_episodes", "metrics_changes")


def cached_classes() -> list[type]:
    """The mapped classes of the ORM-only projections."""
    return [mapper.class_ for mapper in Base.registry.mappers if mapper.local_table.name in ORM_ONLY]
