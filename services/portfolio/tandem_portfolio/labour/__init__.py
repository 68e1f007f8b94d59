"""Actual labour cost: capacity's project bookings × each person's cost rate, per project and month."""
