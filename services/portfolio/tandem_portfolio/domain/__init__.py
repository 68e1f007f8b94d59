"""Portfolio domain rules, free of I/O."""
