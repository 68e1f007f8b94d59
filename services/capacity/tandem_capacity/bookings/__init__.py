"""The bookings API: manual bookings, confirmation, release and moves."""
