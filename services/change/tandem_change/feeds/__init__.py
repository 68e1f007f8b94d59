"""Calendar feeds: a secret URL per user that calendar clients subscribe to instead of sending a bearer token."""
