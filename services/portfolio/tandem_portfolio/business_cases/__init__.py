"""Business cases: a project's costs and benefits per month, their figures and the portfolio cash flow."""
