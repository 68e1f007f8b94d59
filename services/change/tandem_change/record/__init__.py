"""The change record: the changes table, its lifecycle (a pure state table) and every query of it.

Every package that hangs off a change (approvals, cmdb, risk, scheduling, scores) builds on this one, so it imports
none of them; the use cases that raise and move a change, and its routes, are in `changes`.
"""
