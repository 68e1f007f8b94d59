"""HTTP API of the knowledge service."""
