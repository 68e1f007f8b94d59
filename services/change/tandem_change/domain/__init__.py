"""Change domain rules, free of I/O."""
