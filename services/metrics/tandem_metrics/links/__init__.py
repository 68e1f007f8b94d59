"""Incident links: which change (or project) caused an incident, by its source's word or by the linking rule."""
