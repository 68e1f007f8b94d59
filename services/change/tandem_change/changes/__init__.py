"""Change requests over HTTP: raise, edit, reschedule and move them through their lifecycle.

Its use cases coordinate the packages a change hangs off (risk, impact, approvals, conflicts, scores, change
models) through `collaborators.Collaborators`; the record they act on is in `record`.
"""
