"""Tandem's shared library: what all five services use, written once."""
