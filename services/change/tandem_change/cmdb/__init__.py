"""The configuration management database: CIs, relationships, maintenance and blackout windows, impact."""
