"""Readers' feedback: was the published version helpful, with an optional comment."""
