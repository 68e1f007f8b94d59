"""Operational readiness for the handover gate, from other services' events, and the service owner's acceptance."""
