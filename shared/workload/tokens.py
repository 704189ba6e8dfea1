"""Senders' side: short-lived tokens per audience, cached until shortly before expiry.

- `IssuerTokens`: in the process that runs the local issuer (the local relay);
- `HttpTokens`: a local workload asking the local issuer with its bootstrap credential
  (the local broker, for its Triggers' identities);
- `KubernetesTokens`: on a cluster, the TokenRequest API
  (`POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token`), as Knative's own senders
  obtain tokens for each target audience (the relay publishes to every tenant's broker,
  each with its own audience, so one projected token with a fixed audience cannot do).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Protocol

import httpx

from shared.workload.issuer import TOKEN_SECONDS, LocalIssuer, Workload

RENEW_BEFORE_SECONDS = 60


class TokenSource(Protocol):
    def token(self, audience: str, subject: str = "") -> str: ...


class _Cache:
    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> str | None:
        with self._lock:
            hit = self._tokens.get(key)
        if hit and hit[1] - RENEW_BEFORE_SECONDS > time.time():
            return hit[0]
        return None

    def put(self, key: tuple[str, str], token: str, expires_at: float) -> str:
        with self._lock:
            self._tokens[key] = (token, expires_at)
        return token


def bearer(source: TokenSource | None, audience: str, subject: str = "") -> dict[str, str]:
    """The Authorization header for one delivery ({} without a token source)."""
    if source is None:
        return {}
    return {"Authorization": f"Bearer {source.token(audience, subject)}"}


class IssuerTokens:
    def __init__(self, issuer: LocalIssuer, workload: Workload) -> None:
        self.issuer, self.workload, self._cache = issuer, workload, _Cache()

    def token(self, audience: str, subject: str = "") -> str:
        key = (audience, subject)
        hit = self._cache.get(key)
        if hit:
            return hit
        tok = self.issuer.mint(self.workload, audience, sub=subject)
        return self._cache.put(key, tok, time.time() + TOKEN_SECONDS)


class HttpTokens:
    def __init__(self, issuer_url: str, credential: str) -> None:
        self.url = issuer_url.rstrip("/") + "/token"
        self.credential = credential
        self._cache = _Cache()
        self._client = httpx.Client(timeout=5.0, trust_env=False)

    def token(self, audience: str, subject: str = "") -> str:
        key = (audience, subject)
        hit = self._cache.get(key)
        if hit:
            return hit
        resp = self._client.post(
            self.url,
            json={"audience": audience, "subject": subject},
            headers={"Authorization": f"Bearer {self.credential}"},
        )
        resp.raise_for_status()
        body = resp.json()
        return self._cache.put(key, body["token"], time.time() + int(body["expires_in"]))


class KubernetesTokens:
    """The TokenRequest API, authenticated with the pod's projected API token."""

    def __init__(
        self,
        api_url: str,
        namespace: str,
        service_account: str,
        token_file: str,
        ca_file: str | None = None,
        seconds: int = TOKEN_SECONDS,
    ) -> None:
        self.url = (
            f"{api_url.rstrip('/')}/api/v1/namespaces/{namespace}/serviceaccounts/"
            f"{service_account}/token"
        )
        self.token_file, self.seconds = token_file, seconds
        self._cache = _Cache()
        self._client = httpx.Client(timeout=5.0, verify=ca_file or True, trust_env=False)

    def token(self, audience: str, subject: str = "") -> str:
        if subject:
            raise PermissionError("a pod obtains tokens for its own service account only")
        key = (audience, "")
        hit = self._cache.get(key)
        if hit:
            return hit
        with open(self.token_file) as f:
            own = f.read().strip()
        resp = self._client.post(
            self.url,
            json={
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenRequest",
                "spec": {"audiences": [audience], "expirationSeconds": self.seconds},
            },
            headers={"Authorization": f"Bearer {own}"},
        )
        resp.raise_for_status()
        status = resp.json()["status"]
        expires = datetime.fromisoformat(status["expirationTimestamp"].replace("Z", "+00:00"))
        return self._cache.put(key, status["token"], expires.timestamp())
