"""Actual costs of a project per month, and budget against actual."""
