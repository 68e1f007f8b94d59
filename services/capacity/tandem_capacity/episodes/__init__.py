"""Over-allocation and burnout-risk episodes: the rule, their recomputation and the checks that follow bookings."""
