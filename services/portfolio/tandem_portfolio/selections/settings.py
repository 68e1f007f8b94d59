"""Selection run settings: `TANDEM_PORTFOLIO_SELECTION_SYNC_MAX_CANDIDATES` and `..._SELECTION_POLL_SECONDS`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SelectionSettings(BaseSettings):
    """When a run is answered at once, and how often the background worker looks for queued runs."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_PORTFOLIO_SELECTION_", extra="ignore")

    sync_max_candidates: int = Field(50, ge=0, le=100_000, description=(
        "Runs with at most this many candidates are solved in the request (201); larger ones in the background "
        "(202 with a Location)."))
    sync_time_limit_seconds: float = Field(10.0, gt=0, le=600, description="The solver's limit in a request.")
    poll_seconds: float = Field(1.0, gt=0, le=60, description="How often the worker looks for queued runs.")


def selection_settings() -> SelectionSettings:
    """The settings as the environment has them now (read per call: cheap, and tests may change them)."""
    return SelectionSettings()
