"""HTTP API of the change service."""
