"""Change success score per team (ServiceNow's multipliers)."""
