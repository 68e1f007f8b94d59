"""Reviews of article versions by knowledge editors, decided by the shared approval quorum."""
