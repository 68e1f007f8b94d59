"""HTTP API of the portfolio service."""
