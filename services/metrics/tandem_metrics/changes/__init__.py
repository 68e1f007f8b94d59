"""Changes as metrics knows them from the change service's events: what the incident linking rule matches against."""
