"""Knowledge domain rules, free of I/O."""
