"""Rebuilding metrics' projections by replaying the retained events into fresh tables, swapped in when done."""
