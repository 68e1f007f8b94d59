"""Views over supply and bookings (read only): utilisation, the heatmap, alerts, the resource finder."""
