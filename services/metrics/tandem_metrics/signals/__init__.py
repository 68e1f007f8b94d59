"""Service signals from other systems (incidents, outages, CSAT), taken in idempotently in batches."""
