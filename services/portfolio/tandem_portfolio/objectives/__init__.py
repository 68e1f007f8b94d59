"""Strategic objectives: what the portfolio serves, weighted, over a period; owned by the PMO."""
