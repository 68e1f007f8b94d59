"""People, bookings and over-allocation episodes as metrics knows them from capacity's events."""
