"""The standard change catalogue: pre-approved change models."""
