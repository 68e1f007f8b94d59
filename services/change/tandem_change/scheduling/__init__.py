"""Change scheduling: capacity's bookings, conflict checks, next free windows and the change calendar."""
