"""Scoring: models the PMO configures (weighted, WSJF, RICE), project inputs, stored scores and the ranking."""
