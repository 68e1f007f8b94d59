"""Tandem's change service: change requests, their lifecycle and approvals."""
