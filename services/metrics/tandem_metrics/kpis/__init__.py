"""KPIs: the catalogue, the values computed from events, and their series."""
