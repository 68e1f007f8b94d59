"""Drafts written by events: change reviews, project handovers and lessons learned; one per trigger."""
