"""Decisions that stop a project: deferral and termination, each with who, why and when."""
