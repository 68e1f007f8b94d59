"""Views over supply and bookings: utilisation, heatmap, over-allocation episodes, the resource finder."""
