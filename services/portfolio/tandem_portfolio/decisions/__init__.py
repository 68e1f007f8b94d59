"""Decisions that move a project between stages: gate outcomes, holds, resumptions and terminations."""
