"""Operational baseline work: recurring run work and on-call rotations, booked with source operations."""
