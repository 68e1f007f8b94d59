"""HTTP API of the capacity service."""
