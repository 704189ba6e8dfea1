"""Receivers verify the bearer token on every delivery, as Knative's `pkg/auth` Verifier
does: no token or an invalid one (signature against the issuer's JWKS, expiry, issuer,
audience = this receiver) is 401; a valid token from a subject that the receiver's policy
does not list is 403. Neither is retried by a Knative sender.

The JWKS is fetched through the issuer's discovery document (`<issuer>/.well-known/
openid-configuration`, the Kubernetes API server's path) and cached; an unknown `kid` (a key
rotation) refetches it, at most once per `refresh_seconds`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt import PyJWKSet

from shared.workload.identity import allows

ALGORITHMS = ["RS256", "ES256"]
LEEWAY_SECONDS = 5


class AuthFailure(Exception):
    """A delivery without an acceptable sender: `status` is 401 or 403 (503 while the
    issuer's keys cannot be fetched: retried)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Sender:
    subject: str
    claims: dict[str, Any]


class JwksCache:
    """The issuer's keys, fetched once and refetched on an unknown key id."""

    def __init__(
        self,
        issuer_url: str,
        jwks_url: str = "",
        refresh_seconds: float = 30.0,
        client: httpx.Client | None = None,
        ca_file: str | None = None,
        bearer_file: str | None = None,
    ) -> None:
        self.issuer_url = issuer_url.rstrip("/")
        self.jwks_url = jwks_url
        self.refresh_seconds = refresh_seconds
        self._client = client or httpx.Client(timeout=5.0, verify=ca_file or True, trust_env=False)
        self._bearer_file = bearer_file
        self._keys: dict[str, Any] = {}
        self._issuer = self.issuer_url
        self._fetched = 0.0
        self._lock = threading.Lock()

    def _headers(self) -> dict[str, str]:
        if self._bearer_file:  # the API server's discovery needs the pod's own token
            with open(self._bearer_file) as f:
                return {"Authorization": f"Bearer {f.read().strip()}"}
        return {}

    def _fetch(self) -> None:
        headers = self._headers()
        if not self.jwks_url:
            doc = self._client.get(
                self.issuer_url + "/.well-known/openid-configuration", headers=headers
            )
            doc.raise_for_status()
            meta = doc.json()
            self.jwks_url = meta["jwks_uri"]
            self._issuer = meta.get("issuer") or self.issuer_url
        resp = self._client.get(self.jwks_url, headers=headers)
        resp.raise_for_status()
        keyset = PyJWKSet.from_dict(resp.json())
        self._keys = {k.key_id: k for k in keyset.keys if k.key_id}
        self._fetched = time.monotonic()

    @property
    def issuer(self) -> str:
        return self._issuer

    def key(self, kid: str | None) -> Any:
        with self._lock:
            if not self._keys or (
                kid not in self._keys and time.monotonic() - self._fetched > self.refresh_seconds
            ):
                try:
                    self._fetch()
                except (httpx.HTTPError, KeyError, ValueError, jwt.PyJWKError) as exc:
                    # Not the sender's fault: 503, so the broker retries.
                    reason = f"issuer keys unavailable: {type(exc).__name__}"
                    raise AuthFailure(503, reason) from exc
            if kid is None and len(self._keys) == 1:
                return next(iter(self._keys.values()))
            found = self._keys.get(kid or "")
        if found is None:
            raise AuthFailure(401, "token signed by an unknown key")
        return found


class TokenVerifier:
    """Verifies one receiver's deliveries: audience = this receiver, subject allowed.

    Senders reuse a token until shortly before it expires, so a token whose signature, issuer
    and audience were verified is remembered (bounded, per receiver) and later deliveries
    with it only re-check expiry and the sender; a JWKS check could not revoke it either."""

    CACHE_SIZE = 1024

    def __init__(self, keys: JwksCache, audience: str, allowed_senders: list[str]) -> None:
        self.keys = keys
        self.audience = audience
        self.allowed = tuple(allowed_senders)
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, authorization: str | None, allowed: tuple[str, ...] | None = None) -> Sender:
        token = _bearer(authorization)
        with self._lock:
            claims = self._verified.get(token)
            if claims is not None and claims["exp"] + LEEWAY_SECONDS < time.time():
                del self._verified[token]  # expired: verified again, and refused
                claims = None
        if claims is None:
            claims = self._verify_token(token)
            with self._lock:
                self._verified[token] = claims
                while len(self._verified) > self.CACHE_SIZE:
                    self._verified.popitem(last=False)
        sub = str(claims["sub"])
        if not allows(allowed if allowed is not None else self.allowed, sub):
            raise AuthFailure(403, f"{sub} may not send to {self.audience}")
        return Sender(subject=sub, claims=claims)

    def _verify_token(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise AuthFailure(401, "malformed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise AuthFailure(401, "token algorithm not accepted")
        key = self.keys.key(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.keys.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthFailure(401, "token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthFailure(401, "token is for another receiver") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthFailure(401, f"invalid token: {type(exc).__name__}") from exc
        return claims


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise AuthFailure(401, "no bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthFailure(401, "no bearer token")
    return token.strip()
