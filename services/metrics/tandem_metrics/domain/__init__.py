"""Metrics domain rules, free of I/O."""
