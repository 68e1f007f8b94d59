"""Stage gates: per-portfolio criteria and boards, gate reviews, the board's votes and the decision."""
