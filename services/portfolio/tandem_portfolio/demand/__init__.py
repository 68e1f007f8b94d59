"""A project's resource demand: lines of hours per week per role, published for capacity to book."""
