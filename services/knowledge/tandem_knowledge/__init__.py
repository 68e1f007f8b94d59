"""Tandem's knowledge service: articles, their review and publication."""
