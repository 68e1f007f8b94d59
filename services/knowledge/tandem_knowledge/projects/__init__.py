"""Projects as portfolio publishes them: who receives them, what they touch, and the facts their lessons cite."""
