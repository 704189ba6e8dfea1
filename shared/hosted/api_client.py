"""The hosted pages act as the end user on idmesh's own API with the session token (the
same calls a tenant's own capture app makes), so uploads, codes and submission keep one
home: the API's validation, audit, events and limits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

# The end user's address, as the hosted pages received it: the API records it for the risk
# signals (the hosted function is one of the API's trusted proxies, IDMESH_TRUSTED_PROXY_CIDRS).
_end_user: ContextVar[str | None] = ContextVar("hosted_end_user", default=None)


@contextmanager
def acting_for(address: str | None) -> Iterator[None]:
    """API calls made inside carry `X-Forwarded-For: <address>` (the end user's)."""
    reset = _end_user.set(address or None)
    try:
        yield
    finally:
        _end_user.reset(reset)


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        """The problem code (the last part of the problem `type`), or '' on success."""
        return str(self.body.get("type", "")).rsplit("/", 1)[-1] if not self.ok else ""


class ApiUnavailable(Exception):
    """The API did not answer (the page says so and the user can try again)."""


class EndUserApi:
    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def _call(self, token: str, method: str, path: str, **kw: Any) -> ApiAnswer:
        headers = {"Authorization": f"Bearer {token}"}
        if _end_user.get():
            headers["X-Forwarded-For"] = str(_end_user.get())
        try:
            r = self._client.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise ApiUnavailable(type(exc).__name__) from exc
        try:
            body = r.json() if r.content else {}
        except ValueError:
            body = {}
        return ApiAnswer(r.status_code, body if isinstance(body, dict) else {"items": body})

    def upload(
        self, token: str, session_id: str, kind: str, files: list[tuple[str, bytes, str]]
    ) -> ApiAnswer:
        return self._call(
            token,
            "POST",
            f"/v1/sessions/{session_id}/artifacts",
            data={"kind": kind},
            files=[("file", f) for f in files],
        )

    def liveness_challenge(self, token: str, session_id: str) -> ApiAnswer:
        return self._call(token, "POST", f"/v1/sessions/{session_id}/liveness/challenge")

    def send_code(self, token: str, session_id: str, channel: str, target: str) -> ApiAnswer:
        return self._call(
            token, "POST", f"/v1/sessions/{session_id}/{channel}", json={channel: target}
        )

    def check_code(self, token: str, session_id: str, channel: str, code: str) -> ApiAnswer:
        return self._call(
            token, "POST", f"/v1/sessions/{session_id}/{channel}/check", json={"code": code}
        )

    def submit(self, token: str, session_id: str) -> ApiAnswer:
        return self._call(token, "POST", f"/v1/sessions/{session_id}/submit")

    def close(self) -> None:
        self._client.close()
