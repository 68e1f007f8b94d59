"""Import every package's gate criteria, so the registry (tandem_portfolio.criteria) holds them all.

A package that registers criteria adds its module here; `main` imports this module once.
"""

import tandem_portfolio.business_cases.criteria
import tandem_portfolio.demand.criteria
import tandem_portfolio.gates.criteria
import tandem_portfolio.handover.criteria
import tandem_portfolio.milestones.criteria
import tandem_portfolio.scoring.criteria  # noqa: F401
