"""Settings read from the environment with pydantic-settings: platform-wide and per service."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("portfolio", "capacity", "change", "knowledge", "metrics")
# How long the broker may hold a consumer's fetch while nothing new has arrived. Apache Kafka answers as soon as
# an event arrives, so there this only paces idle polling; the development broker often answers only when the wait
# ends, so it is also the longest an event can sit unseen. Capacity books approved changes (the platform's promise of
# milliseconds); the others promise seconds and poll less, which leaves the CPU to the ones that must be quick
# (metrics moved from 50 to 100 ms on 2026-12-07: docs/benchmarks.md, "issue 11's benchmarks again").
FETCH_MAX_WAIT_MS = {"capacity": 10, "change": 50, "metrics": 100, "portfolio": 100, "knowledge": 100}
DEV_AUTH_SECRET = "tandem-development-secret-do-not-use-in-production"


class PlatformSettings(BaseSettings):
    """Settings every service shares, prefixed `TANDEM_`."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    kafka_bootstrap_servers: str | None = Field(
        default=None, description="External Kafka; unset means the bundled development broker."
    )
    kafka_topic_prefix: str = Field(
        default="tandem", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$",
        description="Topics are <prefix>.<service>; separate environments can share one Kafka cluster.",
    )
    kafka_replication_factor: int = Field(default=1, ge=1, le=10, description="For topics Tandem creates.")
    auth_secret: str = DEV_AUTH_SECRET
    auth_issuer: str = "tandem-dev"
    auth_audience: str = "tandem"
    auth_jwks_url: str | None = None
    auth_algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    auth_leeway_seconds: int = Field(
        default=30, ge=0, le=300,
        description="Clock difference tolerated between the token issuer and this service, on exp, nbf and iat.")
    auth_oidc_issuer: str | None = Field(
        default=None, description="OIDC issuer URL: keys from <issuer>/.well-known/openid-configuration's jwks_uri; "
                                  "tokens must carry it as iss.")
    auth_jwks_min_refresh_seconds: float = Field(
        default=30, ge=0, le=3600,
        description="Least time between two fetches of the JWKS when a token names an unknown kid.")
    auth_jwks_max_age_seconds: float = Field(
        default=3600, gt=0, le=86_400, description="The JWKS is fetched again on its first use after this long.")
    auth_roles_claim: str | None = Field(
        default=None, description="Dotted path of the claim holding roles or groups (e.g. groups, "
                                  "realm_access.roles); unset: roles, then realm_access.roles.")
    auth_role_mapping: dict[str, list[str]] = Field(
        default_factory=dict, description="Claim value -> Tandem roles (JSON); when set, only mapped values "
                                          "grant roles.")
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body; a larger one is refused with 413.")
    max_import_body_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest request body of a bulk import (paths ending /import).")
    max_outbox_retention_hours: float = Field(
        default=24 * 7, gt=0,
        description="Longest any service keeps (and may re-publish) its outbox; inboxes keep events at least this "
                    "long so that a re-published event is still recognised.")
    metrics_enabled: bool = Field(
        default=True, description="Serve Prometheus metrics at /<service>/internal/metrics and count each request "
                                  "for them; off: neither (the middleware is not installed).")
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = Field(
        default="text", description="json: one JSON object per line (production, log shippers); text: readable lines.")

    @field_validator("auth_jwks_url", "auth_oidc_issuer", "kafka_bootstrap_servers", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # An empty variable must not silently fall back to the development secret or broker.
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _asymmetric_with_oidc(self) -> PlatformSettings:
        if self.auth_oidc_issuer or self.auth_jwks_url:
            if "auth_algorithms" not in self.model_fields_set:
                self.auth_algorithms = ["RS256", "ES256"]  # the HS256 default is for the development secret
            elif any(not alg.startswith(("RS", "PS", "ES", "Ed")) for alg in self.auth_algorithms):
                # A shared-secret algorithm with public keys lets anyone sign with the published key.
                raise ValueError("TANDEM_AUTH_ALGORITHMS must be asymmetric (e.g. RS256, ES256) with OIDC or JWKS")
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> PlatformSettings:
        if self.environment == "production":
            if self.auth_jwks_url is None and self.auth_oidc_issuer is None and self.auth_secret == DEV_AUTH_SECRET:
                raise ValueError(
                    "TANDEM_AUTH_SECRET is the development secret; set TANDEM_AUTH_OIDC_ISSUER or "
                    "TANDEM_AUTH_JWKS_URL (OIDC) or a real secret outside development"
                )
            if self.auth_jwks_url is None and self.auth_oidc_issuer is None and len(self.auth_secret) < 32:
                raise ValueError("TANDEM_AUTH_SECRET must be at least 32 characters")
            if any(alg.startswith("HS") for alg in self.auth_algorithms) and self.auth_jwks_url:
                raise ValueError("TANDEM_AUTH_ALGORITHMS must be asymmetric (e.g. RS256) with JWKS")
            if not self.kafka_bootstrap_servers:
                raise ValueError("TANDEM_KAFKA_BOOTSTRAP_SERVERS is required in production")
        return self


def _fetch_max_wait(default: int) -> Any:
    return Field(default=default, ge=1, le=5000, description="Longest the broker holds a fetch with nothing new (ms).")


class ServiceSettings(BaseSettings):
    """Settings of one service, prefixed `TANDEM_<SERVICE>_` (the prefix is set per service)."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; unset means SQLite in the data folder."
    )
    run_workers: bool = Field(default=True, description="Run relay and consumer in the web process.")
    run_consumer: bool = Field(default=True, description="With run_workers: also consume events here.")
    relay_poll_interval: float = Field(default=1.0, gt=0, le=60)
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_max_attempts: int = Field(
        default=10, ge=1, le=1000,
        description="Refusals of one outbox row (e.g. over the message size limit) before it is parked.")
    relay_retry_max_seconds: float = Field(
        default=10.0, gt=0, le=3600, description="Longest wait before a failed outbox row is sent again.")
    relay_lease_seconds: float = Field(
        default=5.0, ge=1, le=300,
        description="How long a relay's claim to publish lasts unless renewed; another relay takes over after it.")
    outbox_retention_hours: float = Field(default=24 * 7, ge=0)
    consumer_group: str | None = Field(default=None, description="Kafka consumer group; default tandem-<service>.")
    consumer_max_attempts: int = Field(default=3, ge=1, le=20)
    inbox_retention_hours: float = Field(
        default=24 * 14, gt=0,
        description="How long the inbox remembers an applied event (dead letters stay until replayed); at least "
                    "TANDEM_MAX_OUTBOX_RETENTION_HOURS, plus how long a re-published event may wait unconsumed.")
    consumer_fetch_max_wait_ms: int = _fetch_max_wait(10)  # each service's own default: see `service_settings`
    db_pool_size: int = Field(default=10, ge=1, le=200)
    import_max_rows: int = Field(
        default=10_000, ge=1, le=1_000_000, description="Most rows of one bulk import (e.g. CIs); more is a 413.")


def service_settings(service: str) -> ServiceSettings:
    """Read the settings of one service from its own environment prefix."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    cls: type[ServiceSettings] = type(
        f"{service.title()}Settings",
        (ServiceSettings,),
        {
            "model_config": SettingsConfigDict(env_prefix=f"TANDEM_{service.upper()}_", extra="ignore"),
            "__annotations__": {"consumer_fetch_max_wait_ms": int},
            "consumer_fetch_max_wait_ms": _fetch_max_wait(FETCH_MAX_WAIT_MS[service]),
        },
    )
    return cls()


class SettingsError(ValueError):
    """Settings that are each valid but contradict one another."""


def check_retention(service: str, settings: ServiceSettings, platform: PlatformSettings) -> None:
    """Refuse an inbox that forgets events sooner than a producer may re-send them (`tandem outbox republish`).

    The inbox lives in the consumer's database and the outboxes in the producers', so neither can see the other:
    the platform-wide maximum outbox retention bounds every outbox from above and every inbox from below.
    """
    prefix = f"TANDEM_{service.upper()}_"
    maximum = platform.max_outbox_retention_hours
    if settings.outbox_retention_hours > maximum:
        raise SettingsError(
            f"{prefix}OUTBOX_RETENTION_HOURS ({settings.outbox_retention_hours:g}) is above "
            f"TANDEM_MAX_OUTBOX_RETENTION_HOURS ({maximum:g}): inboxes may have forgotten events re-published this "
            "late and would apply them again; raise the maximum (and every inbox retention) or lower this")
    if settings.inbox_retention_hours < maximum:
        raise SettingsError(
            f"{prefix}INBOX_RETENTION_HOURS ({settings.inbox_retention_hours:g}) is below "
            f"TANDEM_MAX_OUTBOX_RETENTION_HOURS ({maximum:g}): a producer may re-publish events that old, and the "
            "inbox must still recognise them to apply each once; raise it or lower the maximum")


@lru_cache
def platform_settings() -> PlatformSettings:
    """The platform settings, read once per process."""
    return PlatformSettings()


def database_url(service: str, settings: ServiceSettings, platform: PlatformSettings, *, create: bool = True) -> str:
    """The service's database URL: its own setting, or a SQLite file in the data folder (made when `create`)."""
    if settings.database_url:
        return settings.database_url
    path = (platform.data_dir / f"{service}.sqlite3").resolve()
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{path}"
