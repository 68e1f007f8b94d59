"""Tandem's portfolio service: projects and their lifecycle stages."""
