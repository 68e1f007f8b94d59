"""Project demand: bookings for named people and open role requests for the rest."""
