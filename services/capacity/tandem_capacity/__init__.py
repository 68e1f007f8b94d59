"""Tandem's capacity service: people, their skills, bookings of their hours and utilisation."""
