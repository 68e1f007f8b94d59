"""Bookings: a person's hours reserved over a window and spread over ISO weeks; booked by hand and by events."""
