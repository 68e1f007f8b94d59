"""HTTP API of the metrics service."""
