"""Risk conditions and the risk questionnaire the risk engine reads."""
