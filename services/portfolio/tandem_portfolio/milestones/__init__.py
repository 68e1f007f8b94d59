"""Milestones of a project: baseline, forecast and actual dates, and go-live windows."""
