"""Weekly loads: booked hours per person and week and the note that their episodes must follow."""
