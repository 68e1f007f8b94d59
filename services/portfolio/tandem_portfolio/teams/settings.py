"""`TANDEM_PORTFOLIO_TEAM_SCORE_RISK_THRESHOLD`: the change success score below which a team's projects carry a
delivery risk."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TeamScoreSettings(BaseSettings):
    """Read from the portfolio service's environment prefix."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_PORTFOLIO_", extra="ignore")

    team_score_risk_threshold: int = Field(
        0, ge=-10_000, le=10_000,
        description="A delivering team's change success score below this raises a delivery risk on its projects "
                    "and turns their resources status amber (0: the team has lost more points than it gained).")


def risk_threshold() -> int:
    """The threshold now (read on each use, so a changed environment needs no restart of the rules)."""
    return TeamScoreSettings().team_score_risk_threshold
