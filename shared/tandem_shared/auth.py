"""JWT bearer authentication with roles; OIDC (JWKS) in production, a local secret in development."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tandem_shared.db import utcnow
from tandem_shared.errors import Forbidden, Unauthorized
from tandem_shared.logs import actor_var
from tandem_shared.oidc import claimed_roles, expected_issuer, issuer_keys
from tandem_shared.settings import PlatformSettings

ROLES = frozenset(
    {
        "viewer", "requester", "project_manager", "pmo", "resource_manager", "change_manager",
        "cab_member", "knowledge_editor", "service_owner", "admin",
    }
)
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class Actor:
    """Who is acting: the token's subject, display name and roles."""

    sub: str
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def has_any(self, *roles: str) -> bool:
        """True when the actor holds one of the roles, or is admin."""
        return "admin" in self.roles or any(r in self.roles for r in roles)


class Authenticator:
    """Verifies bearer tokens: pinned algorithms, issuer, audience, expiry; keys from JWKS or a secret.

    A client sends the same token with every call until it expires, and checking its signature and claims costs
    more than the rest of a small read: a token that passed is remembered (the newest `cache_size`) until it
    expires (plus the clock leeway), or for `cache_seconds` at most, so a key withdrawn from the JWKS stops being
    honoured within that time.
    """

    def __init__(self, settings: PlatformSettings, *, cache_size: int = 1024, cache_seconds: float = 300.0) -> None:
        self.settings = settings
        self.keys = issuer_keys(settings)  # None: tokens are signed with the development secret
        self.cache_size = cache_size
        self.cache_seconds = cache_seconds
        self._verified: OrderedDict[str, tuple[Actor, float]] = OrderedDict()

    async def verify(self, token: str) -> Actor:
        """Return the actor a valid token names, or raise Unauthorized."""
        remembered = self._verified.get(token)
        if remembered is not None:
            actor, until = remembered
            if time.time() < until:
                self._verified.move_to_end(token)
                return actor
            del self._verified[token]
        actor, expires = await self._check(token)
        self._verified[token] = (actor, min(expires + self.settings.auth_leeway_seconds,
                                            time.time() + self.cache_seconds))
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
        return actor

    async def _check(self, token: str) -> tuple[Actor, float]:
        """Verify signature and claims; return the actor and the token's expiry (epoch seconds)."""
        try:
            key: Any = await self.keys.key_for(token) if self.keys is not None else self.settings.auth_secret
            claims = jwt.decode(
                token,
                key,
                algorithms=self.settings.auth_algorithms,
                audience=self.settings.auth_audience,
                issuer=expected_issuer(self.settings),
                # The issuer's clock and ours differ a little: a token minted "in the future" is not forged.
                leeway=self.settings.auth_leeway_seconds,
                options={"require": ["sub", "exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid bearer token: {token_error(exc)}") from exc
        actor = Actor(sub=str(claims["sub"]), name=str(claims.get("name", claims["sub"])),
                      roles=claimed_roles(claims, self.settings, ROLES))
        return actor, float(claims["exp"])


# Most specific first (InvalidSignatureError is a DecodeError): fixed reasons, never the parser's own message, which
# describes the token's bytes or the key set to whoever sent it.
_TOKEN_ERRORS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not yet valid"),
    (jwt.InvalidAudienceError, "the token is for another audience"),
    (jwt.InvalidIssuerError, "the token is from another issuer"),
    (jwt.MissingRequiredClaimError, "the token lacks a required claim (sub, exp, iss and aud are required)"),
    (jwt.InvalidSignatureError, "the signature does not verify"),
    (jwt.InvalidAlgorithmError, "the token's algorithm is not allowed"),
    (jwt.PyJWKClientError, "no signing key of the issuer matches the token"),
    (jwt.DecodeError, "not a well-formed JWT"),
)


def token_error(exc: jwt.PyJWTError) -> str:
    """Why a token was refused, in words that reveal nothing about the parser or the keys."""
    return next((reason for kind, reason in _TOKEN_ERRORS if isinstance(exc, kind)), "the token is not valid")


def mint_dev_token(settings: PlatformSettings, sub: str, roles: list[str], *, name: str | None = None,
                   ttl: timedelta = timedelta(hours=12)) -> str:
    """Sign a development token with the local secret (refused when OIDC is configured)."""
    if settings.auth_jwks_url or settings.auth_oidc_issuer:
        raise RuntimeError("tokens come from the OIDC issuer when TANDEM_AUTH_OIDC_ISSUER or _JWKS_URL is set")
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}; known: {', '.join(sorted(ROLES))}")
    now = utcnow()
    claims = {
        "sub": sub, "name": name or sub, "roles": roles, "iss": settings.auth_issuer,
        "aud": settings.auth_audience, "iat": now, "exp": now + ttl,
    }
    return jwt.encode(claims, settings.auth_secret, algorithm=settings.auth_algorithms[0])


_bearer = HTTPBearer(auto_error=False, description="A JWT; in development, mint one with `tandem token`.")


async def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    """The authenticated actor of this request (401 without a valid bearer token)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send Authorization: Bearer <token>")
    authenticator: Authenticator = request.app.state.authenticator
    actor = await authenticator.verify(credentials.credentials)
    actor_var.set(actor.sub)  # the request's later log lines name who acted (LogContextMiddleware resets it)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: str) -> Any:  # what `Depends` returns
    """A dependency that admits only actors holding one of the roles (or admin)."""

    async def _check(actor: CurrentActor) -> Actor:
        if not actor.has_any(*roles):
            raise Forbidden(f"needs one of the roles: {', '.join(roles)}", required_roles=list(roles))
        return actor

    return Depends(_check)
