"""Tandem's metrics service: KPI projections kept from every service's events."""
