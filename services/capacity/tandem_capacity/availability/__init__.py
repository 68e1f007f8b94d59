"""Capacity domain rules, free of I/O."""
