"""Working time: schedules, time off, public holidays, and the hours people are available per ISO week."""
