"""Supply: the writes that change availability (schedules, time off, holidays, a person's hours or place)."""
