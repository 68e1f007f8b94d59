"""Evergreen articles: review intervals per kind, the daily review-due sweep and the owners' review queue."""
