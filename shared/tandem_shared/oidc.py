"""OIDC token verification: the issuer's signing keys (discovery → JWKS, `kid` rotation) and roles from claims.

Keys are fetched once and kept; a token signed with a key the set does not hold makes the set be fetched again
(the issuer has rotated), but never sooner than `min_refresh_seconds` after the last fetch, so a stream of tokens
with invented `kid`s costs the issuer at most one request per interval. A set older than `max_age_seconds` is
fetched again on its next use, so a withdrawn key stops verifying within that time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import jwt

from tandem_shared.errors import ServiceUnavailable
from tandem_shared.settings import PlatformSettings

DISCOVERY_PATH = "/.well-known/openid-configuration"
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
clock: Callable[[], float] = time.monotonic  # a module attribute so a test can move time without sleeping


class UnknownSigningKey(jwt.PyJWKClientError):
    """No key of the issuer's current set matches the token's `kid`."""


class IssuerKeys:
    """The issuer's signing keys, from its discovery document (or a JWKS URL given directly)."""

    def __init__(self, *, issuer: str | None, jwks_url: str | None, min_refresh_seconds: float,
                 max_age_seconds: float, timeout: float = 5.0) -> None:
        if not issuer and not jwks_url:
            raise ValueError("an OIDC issuer or a JWKS URL is needed")
        self.issuer = issuer.rstrip("/") if issuer else None
        self.jwks_url = jwks_url
        self.min_refresh_seconds = min_refresh_seconds
        self.max_age_seconds = max_age_seconds
        self.timeout = timeout
        self.fetches = 0  # JWKS documents fetched (the refresh policy's observable effect)
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key_for(self, token: str) -> jwt.PyJWK:
        """The key that should verify the token (by its `kid`); raises PyJWTError subclasses when there is none."""
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str | None):
            raise jwt.DecodeError("kid must be a string")
        key = self._find(kid) if not self._stale() else None
        if key is not None:
            return key
        async with self._lock:  # concurrent requests with a new kid share one fetch
            if (self._stale() or self._find(kid) is None) and self._may_fetch():
                await self._refresh()
            key = self._find(kid)
        if key is None:
            raise UnknownSigningKey("no key of the issuer matches the token")
        return key

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:  # an issuer with one key may leave kid out
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    def _stale(self) -> bool:
        return self._fetched_at is None or clock() - self._fetched_at >= self.max_age_seconds

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or clock() - self._fetched_at >= self.min_refresh_seconds

    async def _refresh(self) -> None:
        self._fetched_at = clock()  # also on failure: an unreachable issuer is not asked again at once
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                jwks_url = self.jwks_url or await self._discover(client)
                response = await client.get(jwks_url, headers={"Accept": "application/json"})
                response.raise_for_status()
                key_set = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as exc:
            if self._keys:
                return  # keep the keys we have: the issuer's outage must not log everyone out
            raise ServiceUnavailable("the token issuer's signing keys cannot be fetched now; retry later") from exc
        self.fetches += 1
        self._keys = {key.key_id: key for key in key_set.keys
                      if key.public_key_use in (None, "sig") and key.algorithm_name in ASYMMETRIC}

    async def _discover(self, client: httpx.AsyncClient) -> str:
        response = await client.get(f"{self.issuer}{DISCOVERY_PATH}", headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
        # OpenID Connect Discovery 1.0, 4.3: the document's issuer must be the one it was fetched for.
        if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != self.issuer:
            raise ValueError("the discovery document names another issuer")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise ValueError("the discovery document has no jwks_uri")
        return jwks_uri


def issuer_keys(settings: PlatformSettings) -> IssuerKeys | None:
    """The issuer's keys when OIDC (an issuer or a JWKS URL) is configured; None with the development secret."""
    if not settings.auth_oidc_issuer and not settings.auth_jwks_url:
        return None
    return IssuerKeys(issuer=settings.auth_oidc_issuer, jwks_url=settings.auth_jwks_url,
                      min_refresh_seconds=settings.auth_jwks_min_refresh_seconds,
                      max_age_seconds=settings.auth_jwks_max_age_seconds)


def expected_issuer(settings: PlatformSettings) -> str:
    """The `iss` tokens must carry: the OIDC issuer when configured, else TANDEM_AUTH_ISSUER."""
    return settings.auth_oidc_issuer or settings.auth_issuer


def _claim(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _values(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def claimed_roles(claims: dict[str, Any], settings: PlatformSettings, known: frozenset[str]) -> frozenset[str]:
    """Tandem roles of a token: the values of the roles claim, through the role mapping when one is configured.

    Without a mapping a value that is a Tandem role name is that role (Tandem's own tokens, or an issuer configured
    to emit them); with one, only mapped values grant roles, so an issuer's unrelated group called `admin` does not.
    """
    paths = [settings.auth_roles_claim] if settings.auth_roles_claim else ["roles", "realm_access.roles"]
    values = [v for path in paths for v in _values(_claim(claims, path))]
    mapping = settings.auth_role_mapping
    if mapping:
        return frozenset(role for v in values for role in mapping.get(v, ())) & known
    return frozenset(values) & known
