"""The incident linking rule's setting."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LinkSettings(BaseSettings):
    """`TANDEM_METRICS_INCIDENT_LINK_WINDOW_DAYS`: how long after a change's implementation an incident on its CIs
    or services is linked to it (default 3 days)."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_METRICS_", extra="ignore")

    incident_link_window_days: int = Field(default=3, ge=0, le=90)


@lru_cache
def link_settings() -> LinkSettings:
    """The settings, read once per process."""
    return LinkSettings()
