"""The risk register of a project: risks and issues, scored probability × impact."""
