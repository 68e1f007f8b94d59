"""Capacity's free hours per skill per ISO week, kept from `capacity.snapshot.published.v1` for selection runs."""
