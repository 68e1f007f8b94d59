"""Demand against supply per skill and week: the skill-gap report and the coalesced capacity snapshot."""
