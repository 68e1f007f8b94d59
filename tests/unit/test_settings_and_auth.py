"""Settings refuse unsafe production defaults; tokens are verified strictly."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from pydantic import ValidationError
from tandem_shared.auth import Authenticator, mint_dev_token
from tandem_shared.errors import Unauthorized
from tandem_shared.settings import DEV_AUTH_SECRET, PlatformSettings, service_settings


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="development secret"):
        PlatformSettings(environment="production", kafka_bootstrap_servers="kafka:9092")


def test_production_needs_an_external_kafka() -> None:
    with pytest.raises(ValidationError, match="KAFKA_BOOTSTRAP_SERVERS"):
        PlatformSettings(environment="production", auth_secret="a-real-secret-from-a-vault-0123456789")


def test_production_with_oidc_starts() -> None:
    settings = PlatformSettings(environment="production", kafka_bootstrap_servers="kafka:9092",
                                auth_jwks_url="https://idp.example/jwks", auth_algorithms=["RS256"])
    assert settings.auth_secret == DEV_AUTH_SECRET and settings.auth_jwks_url


def test_service_settings_read_their_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_CHANGE_DATABASE_URL", "postgresql+asyncpg://db/change")
    monkeypatch.setenv("TANDEM_CAPACITY_DATABASE_URL", "postgresql+asyncpg://db/capacity")
    assert service_settings("change").database_url == "postgresql+asyncpg://db/change"
    assert service_settings("capacity").database_url == "postgresql+asyncpg://db/capacity"
    with pytest.raises(ValueError):
        service_settings("billing")


async def test_a_valid_token_names_the_actor_and_known_roles_only() -> None:
    settings = PlatformSettings()
    token = jwt.encode({"sub": "ann", "name": "Ann", "roles": ["cab_member", "wizard"], "iss": settings.auth_issuer,
                        "aud": settings.auth_audience, "exp": 4_102_444_800}, settings.auth_secret, algorithm="HS256")
    actor = await Authenticator(settings).verify(token)
    assert (actor.sub, actor.name, actor.roles) == ("ann", "Ann", frozenset({"cab_member"}))


@pytest.mark.parametrize("tamper", ["expired", "audience", "secret", "algorithm"])
async def test_bad_tokens_are_refused(tamper: str) -> None:
    settings = PlatformSettings()
    claims = {"sub": "ann", "roles": [], "iss": settings.auth_issuer, "aud": settings.auth_audience, "exp": 4_102_444_800}
    key, alg = settings.auth_secret, "HS256"
    if tamper == "expired":
        claims["exp"] = 1
    elif tamper == "audience":
        claims["aud"] = "someone-else"
    elif tamper == "secret":
        key = "another-secret-another-secret-another"
    else:
        alg = "HS512"
    with pytest.raises(Unauthorized):
        await Authenticator(settings).verify(jwt.encode(claims, key, algorithm=alg))


def test_minting_refuses_unknown_roles() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        mint_dev_token(PlatformSettings(), "ann", ["overlord"], ttl=timedelta(minutes=1))
