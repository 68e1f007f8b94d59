"""Projects: intake, lifecycle and the project record."""
