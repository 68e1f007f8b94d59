"""What-if scenarios: copies of live bookings that can be moved without touching them."""
