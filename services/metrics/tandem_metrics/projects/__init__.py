"""Projects as metrics knows them from portfolio's events: category, latest business case, latest budget report."""
