"""OIDC through the API: RS256/ES256 tokens verified with the keys of an issuer served over HTTP on 127.0.0.1
(discovery document → JWKS), `kid` rotation, a bounded refresh on unknown `kid`s, roles mapped from a groups claim,
audience and issuer checked; the development secret's HS256 tokens are refused once OIDC is configured."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from tandem_change.main import create_app
from tandem_shared import oidc
from tandem_shared.settings import PlatformSettings, service_settings

from tests.support import auth

AUDIENCE = "tandem-api"
GROUPS = {"itsm-change-board": ["change_manager"], "itsm-readers": ["viewer"]}
CI = {"name": "pay-gw-01", "ci_class": "server"}


class Issuer:
    """A tiny OIDC issuer: discovery and JWKS over HTTP, keys made with `cryptography`, fetches counted."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, Any]] = {}  # kid -> (alg, private key)
        self.published: list[str] = []
        self.jwks_fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/realms/tandem/.well-known/openid-configuration":
                    body: dict[str, Any] = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/keys"}
                elif self.path == "/realms/tandem/keys":
                    issuer.jwks_fetches += 1
                    body = {"keys": [issuer.jwk(kid) for kid in issuer.published]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realms/tandem"

    def add_key(self, kid: str, alg: str) -> None:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048) if alg == "RS256" else \
            ec.generate_private_key(ec.SECP256R1())
        self.keys[kid] = (alg, private)
        self.published.append(kid)

    def jwk(self, kid: str) -> dict[str, Any]:
        alg, private = self.keys[kid]
        algorithm = RSAAlgorithm if alg == "RS256" else ECAlgorithm
        return {**algorithm.to_jwk(private.public_key(), as_dict=True), "kid": kid, "alg": alg, "use": "sig"}

    def token(self, kid: str, *, groups: list[str], sub: str = "ann", **claims: Any) -> str:
        alg, private = self.keys[kid]
        now = int(time.time())
        body = {"sub": sub, "name": sub.title(), "groups": groups, "iss": self.url, "aud": AUDIENCE,
                "iat": now, "exp": now + 600, **claims}
        return jwt.encode(body, private, algorithm=alg, headers={"kid": kid})


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    issuer = Issuer()
    thread = threading.Thread(target=issuer.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        issuer.server.shutdown()
        issuer.server.server_close()
        thread.join()


@contextmanager
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The key set's clock, moved by the test (never slept on)."""
    now = [1_000.0]
    monkeypatch.setattr(oidc, "clock", lambda: now[0])
    yield now


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_tokens_of_an_oidc_issuer_are_verified_through_its_jwks(databases, issuer, monkeypatch):
    issuer.add_key("rsa-1", "RS256")
    platform = PlatformSettings(environment="test", auth_oidc_issuer=issuer.url, auth_audience=AUDIENCE,
                                auth_roles_claim="groups", auth_role_mapping=GROUPS,
                                auth_jwks_min_refresh_seconds=30, auth_jwks_max_age_seconds=3600)
    settings = service_settings("change").model_copy(
        update={"database_url": await databases.fresh("change", "sqlite")})
    app = create_app(settings=settings, platform=platform, workers=False)
    with frozen_clock(monkeypatch) as now:
        async with (app.router.lifespan_context(app),
                    httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://tandem.test") as client):
            board = issuer.token("rsa-1", groups=["itsm-change-board", "admin"])
            created = await client.post("/change/v1/cis", headers=bearer(board), json=CI)
            assert created.status_code == 201, created.text
            assert issuer.jwks_fetches == 1

            # Roles come from the mapping only: a reader's group reads, and an unmapped "admin" group grants nothing.
            reader = issuer.token("rsa-1", groups=["itsm-readers", "admin"], sub="rob")
            assert (await client.get("/change/v1/cis", headers=bearer(reader))).status_code == 200
            refused = await client.post("/change/v1/cis", headers=bearer(reader), json={**CI, "name": "x"})
            assert refused.status_code == 403, refused.text

            # Audience, issuer and expiry are checked; the development secret's tokens no longer verify.
            for token, reason in [
                (issuer.token("rsa-1", groups=["itsm-readers"], aud="another-api"), "another audience"),
                (issuer.token("rsa-1", groups=["itsm-readers"], iss="https://evil.example"), "another issuer"),
                (issuer.token("rsa-1", groups=["itsm-readers"], exp=int(time.time()) - 3600), "expired"),
                (auth("mallory", "admin")["Authorization"].removeprefix("Bearer "), "algorithm"),
            ]:
                response = await client.get("/change/v1/cis", headers=bearer(token))
                assert response.status_code == 401, response.text
                assert reason in response.json()["detail"]
            # Signed with HS256 using the issuer's public key as the secret (algorithm confusion): refused.
            public_pem = issuer.keys["rsa-1"][1].public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            confused = jwt.encode({"sub": "mallory", "groups": ["itsm-change-board"], "iss": issuer.url,
                                   "aud": AUDIENCE, "exp": int(time.time()) + 600},
                                  public_pem.decode()[:64] * 2, algorithm="HS256", headers={"kid": "rsa-1"})
            assert (await client.get("/change/v1/cis", headers=bearer(confused))).status_code == 401

            # Invented kids: refused, and the JWKS is fetched at most once per refresh interval.
            for _ in range(20):
                forged = issuer.token("rsa-1", groups=["itsm-readers"])
                forged = jwt.encode(jwt.decode(forged, options={"verify_signature": False}),
                                    issuer.keys["rsa-1"][1], algorithm="RS256", headers={"kid": uuid.uuid4().hex})
                response = await client.get("/change/v1/cis", headers=bearer(forged))
                assert response.status_code == 401 and "no signing key" in response.json()["detail"]
            assert issuer.jwks_fetches == 1  # within 30 s of the last fetch: not asked again
            now[0] += 31
            for _ in range(5):
                forged = jwt.encode({"sub": "x", "iss": issuer.url, "aud": AUDIENCE, "exp": int(time.time()) + 60},
                                    issuer.keys["rsa-1"][1], algorithm="RS256", headers={"kid": uuid.uuid4().hex})
                assert (await client.get("/change/v1/cis", headers=bearer(forged))).status_code == 401
            assert issuer.jwks_fetches == 2  # one fetch for five unknown kids

            # Rotation: the issuer publishes an ES256 key and signs with it; the first such token refreshes the set.
            now[0] += 31
            issuer.add_key("ec-2", "ES256")
            rotated = issuer.token("ec-2", groups=["itsm-change-board"], sub="eve")
            created = await client.post("/change/v1/cis", headers=bearer(rotated), json={**CI, "name": "pay-gw-02"})
            assert created.status_code == 201, created.text
            assert issuer.jwks_fetches == 3
            # The old key is withdrawn: once the set is older than its maximum age, tokens signed with it fail.
            issuer.published.remove("rsa-1")
            still = issuer.token("rsa-1", groups=["itsm-readers"], sub="sam")
            assert (await client.get("/change/v1/cis", headers=bearer(still))).status_code == 200  # set is fresh
            now[0] += 3601
            withdrawn = issuer.token("rsa-1", groups=["itsm-readers"], sub="tom")
            response = await client.get("/change/v1/cis", headers=bearer(withdrawn))
            assert response.status_code == 401, response.text
            assert issuer.jwks_fetches == 4
            assert (await client.get("/change/v1/cis", headers=bearer(
                issuer.token("ec-2", groups=["itsm-readers"], sub="uma")))).status_code == 200


async def test_an_unreachable_issuer_is_a_503_problem_and_hs256_development_tokens_still_work(databases, monkeypatch):
    settings = service_settings("change").model_copy(
        update={"database_url": await databases.fresh("change", "sqlite")})
    development = create_app(settings=settings, platform=PlatformSettings(environment="development"), workers=False)
    async with (development.router.lifespan_context(development),
                httpx.AsyncClient(transport=httpx.ASGITransport(development), base_url="http://t") as client):
        assert (await client.get("/change/v1/cis", headers=auth("ann", "viewer"))).status_code == 200

    platform = PlatformSettings(environment="test", auth_oidc_issuer="http://127.0.0.1:9/realms/none",
                                auth_audience=AUDIENCE)
    assert platform.auth_algorithms == ["RS256", "ES256"]
    app = create_app(settings=settings, platform=platform, workers=False)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"sub": "ann", "iss": platform.auth_oidc_issuer, "aud": AUDIENCE,
                        "exp": int(time.time()) + 60}, key, algorithm="RS256", headers={"kid": "k"})
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client):
        response = await client.get("/change/v1/cis", headers=bearer(token))
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_oidc_refuses_shared_secret_algorithms_and_maps_roles_only_through_the_mapping() -> None:
    with pytest.raises(ValueError, match="must be asymmetric"):
        PlatformSettings(auth_oidc_issuer="https://sso.example/realms/t", auth_algorithms=["RS256", "HS256"])
    assert PlatformSettings(auth_jwks_url="https://sso.example/keys").auth_algorithms == ["RS256", "ES256"]
    assert PlatformSettings().auth_algorithms == ["HS256"]  # development tokens are unchanged without OIDC
    known = frozenset({"viewer", "cab_member", "admin"})
    keycloak = {"realm_access": {"roles": ["cab_member", "offline_access"]}}
    assert oidc.claimed_roles(keycloak, PlatformSettings(), known) == {"cab_member"}
    assert oidc.claimed_roles({"roles": "viewer admin"}, PlatformSettings(), known) == {"viewer", "admin"}
    mapped = PlatformSettings(auth_roles_claim="resource_access.tandem.roles",
                              auth_role_mapping={"cab": ["cab_member", "wizard"]})
    claims = {"resource_access": {"tandem": {"roles": ["cab", "admin"]}}, "roles": ["admin"]}
    assert oidc.claimed_roles(claims, mapped, known) == {"cab_member"}
