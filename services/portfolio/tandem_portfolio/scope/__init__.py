"""The scope change log of a project: proposed changes with their schedule and cost impact, and their decisions."""
