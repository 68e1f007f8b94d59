"""Capacity's people as the change service knows them from events: who may be named as a change's assignee."""
