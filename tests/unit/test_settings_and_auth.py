"""Settings refuse unsafe production defaults; tokens are verified strictly."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest
from pydantic import ValidationError
from tandem_shared.auth import Authenticator, mint_dev_token
from tandem_shared.errors import Unauthorized
from tandem_shared.settings import DEV_AUTH_SECRET, FETCH_MAX_WAIT_MS, PlatformSettings, service_settings


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


def test_each_service_has_its_own_fetch_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    assert service_settings("capacity").consumer_fetch_max_wait_ms == FETCH_MAX_WAIT_MS["capacity"] == 10
    assert service_settings("knowledge").consumer_fetch_max_wait_ms == FETCH_MAX_WAIT_MS["knowledge"] == 100
    monkeypatch.setenv("TANDEM_KNOWLEDGE_CONSUMER_FETCH_MAX_WAIT_MS", "20")
    assert service_settings("knowledge").consumer_fetch_max_wait_ms == 20
    assert service_settings("metrics").consumer_fetch_max_wait_ms == FETCH_MAX_WAIT_MS["metrics"]
    monkeypatch.setenv("TANDEM_METRICS_CONSUMER_FETCH_MAX_WAIT_MS", "0")
    with pytest.raises(ValidationError, match="consumer_fetch_max_wait_ms"):
        service_settings("metrics")


def _token(settings: PlatformSettings, sub: str = "ann", exp: float = 4_102_444_800) -> str:
    return jwt.encode({"sub": sub, "roles": ["viewer"], "iss": settings.auth_issuer, "aud": settings.auth_audience,
                       "exp": exp}, settings.auth_secret, algorithm="HS256")


async def test_a_verified_token_is_remembered_and_checked_again_once_the_cache_time_is_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = PlatformSettings()
    authenticator = Authenticator(settings, cache_seconds=60)
    token = _token(settings)
    assert (await authenticator.verify(token)).sub == "ann"

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise jwt.InvalidSignatureError("signature changed")

    monkeypatch.setattr(jwt, "decode", refuse)
    assert (await authenticator.verify(token)).sub == "ann"  # remembered: not decoded again
    with pytest.raises(Unauthorized, match="signature does not verify"):
        await authenticator.verify(_token(settings, "bob"))  # a new token is checked
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)  # past the 60 s the cache may keep it
    with pytest.raises(Unauthorized, match="signature does not verify"):
        await authenticator.verify(token)


async def test_the_token_cache_keeps_neither_refused_tokens_nor_more_than_its_size() -> None:
    settings = PlatformSettings()
    authenticator = Authenticator(settings, cache_size=2)
    for _ in range(2):  # refused each time, never remembered
        with pytest.raises(Unauthorized):
            await authenticator.verify(_token(settings, exp=1))
    for sub in ("a", "b", "c"):
        await authenticator.verify(_token(settings, sub))
    assert [actor.sub for actor, _until in authenticator._verified.values()] == ["b", "c"]


async def test_a_remembered_token_is_checked_again_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = PlatformSettings()
    authenticator = Authenticator(settings, cache_seconds=3600)
    now = time.time()
    token = _token(settings, exp=now + 100)
    await authenticator.verify(token)
    monkeypatch.setattr(jwt, "decode", lambda *_a, **_k: (_ for _ in ()).throw(jwt.ExpiredSignatureError("expired")))
    monkeypatch.setattr(time, "time", lambda: now + 50)
    assert (await authenticator.verify(token)).sub == "ann"
    monkeypatch.setattr(time, "time", lambda: now + 100 + settings.auth_leeway_seconds + 1)  # past exp and leeway
    with pytest.raises(Unauthorized, match="expired"):
        await authenticator.verify(token)


async def test_a_valid_token_names_the_actor_and_known_roles_only() -> None:
    settings = PlatformSettings()
    token = jwt.encode({"sub": "ann", "name": "Ann", "roles": ["cab_member", "wizard"], "iss": settings.auth_issuer,
                        "aud": settings.auth_audience, "exp": 4_102_444_800}, settings.auth_secret, algorithm="HS256")
    actor = await Authenticator(settings).verify(token)
    assert (actor.sub, actor.name, actor.roles) == ("ann", "Ann", frozenset({"cab_member"}))


@pytest.mark.parametrize("tamper", ["expired", "audience", "secret", "algorithm"])
async def test_bad_tokens_are_refused(tamper: str) -> None:
    settings = PlatformSettings()
    claims = {"sub": "ann", "roles": [], "iss": settings.auth_issuer, "aud": settings.auth_audience,
              "exp": 4_102_444_800}
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


@pytest.mark.parametrize(("iat_offset", "exp_offset", "leeway", "accepted"), [
    (20, 3600, 30, True),     # the issuer's clock runs 20 s ahead of ours
    (-3600, -20, 30, True),   # expired 20 s ago by our clock: within the skew tolerated
    (60, 3600, 30, False),    # minted a minute in the future
    (-3600, -60, 30, False),  # expired a minute ago
    (20, 3600, 0, False),     # no tolerance set
])
async def test_clock_skew_between_issuer_and_service_is_tolerated_up_to_the_leeway(
        iat_offset: int, exp_offset: int, leeway: int, accepted: bool) -> None:
    settings = PlatformSettings(auth_leeway_seconds=leeway)
    now = time.time()
    token = jwt.encode({"sub": "ann", "roles": [], "iss": settings.auth_issuer, "aud": settings.auth_audience,
                        "iat": now + iat_offset, "exp": now + exp_offset}, settings.auth_secret, algorithm="HS256")
    if accepted:
        assert (await Authenticator(settings).verify(token)).sub == "ann"
    else:
        with pytest.raises(Unauthorized, match=r"not yet valid|expired"):
            await Authenticator(settings).verify(token)


def test_minting_refuses_unknown_roles() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        mint_dev_token(PlatformSettings(), "ann", ["overlord"], ttl=timedelta(minutes=1))
