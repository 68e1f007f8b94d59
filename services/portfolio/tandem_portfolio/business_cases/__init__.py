"""Business cases: a project's costs and benefits per month, their figures, realised benefits and cash flow."""
