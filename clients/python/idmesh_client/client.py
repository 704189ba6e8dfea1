"""`Client`: one method per operation of the idmesh OpenAPI document (named after its
operationId in snake case), JSON in and out, RFC 9457 problems raised as `ApiError`.

Retries: connection errors, 429 and 502/503/504 are retried with exponential backoff
(honouring `Retry-After`); POSTs are retried only when they carry an Idempotency-Key
(`create_session` always sends one), so a retry never creates twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import httpx

from idmesh_client.types import CheckResult, Code, Session, SessionCreated

Json = dict[str, Any]
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class ApiError(Exception):
    """An RFC 9457 problem answered by the API."""

    def __init__(self, status: int, problem: Json) -> None:
        self.status = status
        self.problem = problem
        self.type: str = problem.get("type", "")
        self.errors: list[Json] = problem.get("errors") or []
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")


class Client:
    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout, transport=transport
        )
        self.retries, self.backoff = retries, backoff

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- transport --------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        token: str | None = None,
        raw: bool = False,
    ) -> Any:
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        retry_ok = method in ("GET", "PUT", "DELETE") or "Idempotency-Key" in hdrs
        for attempt in range(self.retries + 1):
            try:
                resp = self._http.request(
                    method, path, json=json, params=params, files=files, data=data, headers=hdrs
                )
            except httpx.TransportError:
                if not retry_ok or attempt == self.retries:
                    raise
                time.sleep(self.backoff * 2**attempt)
                continue
            if resp.status_code in RETRY_STATUSES and retry_ok and attempt < self.retries:
                wait = resp.headers.get("Retry-After")
                time.sleep(float(wait) if wait and wait.isdigit() else self.backoff * 2**attempt)
                continue
            if resp.status_code >= 400:
                try:
                    problem = resp.json()
                except ValueError:
                    problem = {"title": resp.reason_phrase, "detail": resp.text[:500]}
                raise ApiError(resp.status_code, problem)
            if raw:
                return resp
            if resp.status_code == 204 or not resp.content:
                return None
            return resp.json()
        raise AssertionError("unreachable")

    # -- registration and tenant ---------------------------------------------------------
    def register(self, email: str, organization: str) -> Json:
        return self.request(
            "POST", "/v1/register", json={"email": email, "organization": organization}
        )

    def verify_registration(self, email: str, code: str) -> Json:
        """Returns `{tenant_id, api_key}`; use the key for a new `Client`."""
        return self.request("POST", "/v1/register/verify", json={"email": email, "code": code})

    def get_tenant(self) -> Json:
        return self.request("GET", "/v1/tenant")

    def get_retention(self) -> Json:
        return self.request("GET", "/v1/tenant/retention")

    def set_retention(
        self, retention_days: int, artifact_retention_days: int | None = None
    ) -> Json:
        body: Json = {"retention_days": retention_days}
        if artifact_retention_days is not None:
            body["artifact_retention_days"] = artifact_retention_days
        return self.request("PUT", "/v1/tenant/retention", json=body)

    def get_branding(self) -> Json:
        return self.request("GET", "/v1/tenant/branding")

    def set_branding(self, branding: Json) -> Json:
        return self.request("PUT", "/v1/tenant/branding", json=branding)

    def rotate_api_key(self, key_id: str, grace_seconds: int = 0) -> Json:
        return self.request(
            "POST", f"/v1/api-keys/{key_id}/rotate", json={"grace_seconds": grace_seconds}
        )

    def get_session_audit(self, session_id: str) -> Json:
        return self.request("GET", f"/v1/sessions/{session_id}/audit")

    def export_session(self, session_id: str) -> Json:
        return self.request("GET", f"/v1/sessions/{session_id}/export")

    def export_audit(self, after: int = 0, limit: int = 500) -> Json:
        return self.request("GET", "/v1/audit", params={"after": after, "limit": limit})

    def create_api_key(self, name: str) -> Json:
        return self.request("POST", "/v1/api-keys", json={"name": name})

    def list_api_keys(self) -> list[Json]:
        return self.request("GET", "/v1/api-keys")["items"]

    def revoke_api_key(self, key_id: str) -> None:
        self.request("DELETE", f"/v1/api-keys/{key_id}")

    # -- workflows -----------------------------------------------------------------------
    def create_workflow(self, definition: Json) -> Json:
        return self.request("POST", "/v1/workflows", json=definition)

    def list_workflows(self) -> list[Json]:
        return self.request("GET", "/v1/workflows")["items"]

    def get_workflow(self, workflow_id: str, version: int | None = None) -> Json:
        params = {"version": version} if version else None
        return self.request("GET", f"/v1/workflows/{workflow_id}", params=params)

    def replace_workflow(self, workflow_id: str, definition: Json) -> Json:
        return self.request("PUT", f"/v1/workflows/{workflow_id}", json=definition)

    def dry_run_workflow(
        self,
        workflow_id: str,
        results: dict[str, Json],
        countries: dict[str, str] | None = None,
    ) -> Json:
        """Which steps these results would trigger (nothing runs, nothing is stored)."""
        body = {"results": results, "countries": countries or {}}
        return self.request("POST", f"/v1/workflows/{workflow_id}/dry-run", json=body)

    # -- sessions ------------------------------------------------------------------------
    def create_session(
        self,
        workflow_id: str,
        *,
        expected: Json | None = None,
        vendor_data: str | None = None,
        redirect_url: str | None = None,
        language: str | None = None,
        callback_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> SessionCreated:
        """`redirect_url`: where the hosted pages send the end user when done;
        `callback_url` is deprecated (an alias of `redirect_url`)."""
        body: Json = {"workflow_id": workflow_id}
        for k, v in (
            ("expected", expected),
            ("vendor_data", vendor_data),
            ("redirect_url", redirect_url),
            ("language", language),
            ("callback_url", callback_url),
        ):
            if v is not None:
                body[k] = v
        key = idempotency_key or str(uuid.uuid4())
        return self.request("POST", "/v1/sessions", json=body, headers={"Idempotency-Key": key})

    def list_sessions(
        self,
        *,
        status: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
        vendor_data: str | None = None,
    ) -> Json:
        """`vendor_data`: only sessions whose vendor_data is exactly this."""
        params: Json = {"limit": limit}
        if status:
            params["status"] = status
        if vendor_data:
            params["vendor_data"] = vendor_data
        if cursor:
            params["cursor"] = cursor
        return self.request("GET", "/v1/sessions", params=params)

    def get_session(self, session_id: str) -> Session:
        return self.request("GET", f"/v1/sessions/{session_id}")

    def erase_session(self, session_id: str) -> None:
        self.request("DELETE", f"/v1/sessions/{session_id}")

    def upload_artifact(
        self, session_id: str, kind: str, file: bytes | Path, *, token: str | None = None
    ) -> Json:
        """`token`: the session token (end-user side); default the API key."""
        content = file.read_bytes() if isinstance(file, Path) else file
        return self.request(
            "POST",
            f"/v1/sessions/{session_id}/artifacts",
            data={"kind": kind},
            files={"file": ("upload", content, "application/octet-stream")},
            token=token,
        )

    def submit_session(self, session_id: str, *, token: str | None = None) -> Json:
        return self.request("POST", f"/v1/sessions/{session_id}/submit", token=token)

    def review_session(
        self, session_id: str, decision: Literal["approved", "declined"], note: str | None = None
    ) -> Session:
        body: Json = {"decision": decision}
        if note is not None:
            body["note"] = note
        return self.request("POST", f"/v1/sessions/{session_id}/review", json=body)

    def wait_for_decision(
        self, session_id: str, timeout: float = 120.0, every: float = 0.5
    ) -> Session:
        """Poll until the session leaves `not_started`/`in_progress` (prefer webhooks)."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.get_session(session_id)
            if s["status"] not in ("not_started", "in_progress") or time.monotonic() > deadline:
                return s
            time.sleep(every)

    def create_liveness_challenge(self, session_id: str, *, token: str | None = None) -> Json:
        return self.request("POST", f"/v1/sessions/{session_id}/liveness/challenge", token=token)

    def create_nfc_challenge(self, session_id: str, *, token: str | None = None) -> Json:
        return self.request("POST", f"/v1/sessions/{session_id}/nfc/challenge", token=token)

    # -- end-user codes ------------------------------------------------------------------
    def send_email_code(self, session_id: str, email: str, *, token: str | None = None) -> Json:
        return self.send_code(session_id, "email", {"email": email}, token=token)

    def check_email_code(self, session_id: str, code: str, *, token: str | None = None) -> Json:
        return self.check_code(session_id, "email", code, token=token)

    def send_phone_code(self, session_id: str, phone: str, *, token: str | None = None) -> Json:
        return self.send_code(session_id, "phone", {"phone": phone}, token=token)

    def check_phone_code(self, session_id: str, code: str, *, token: str | None = None) -> Json:
        return self.check_code(session_id, "phone", code, token=token)

    def send_code(
        self,
        session_id: str,
        channel: Literal["email", "phone"],
        target: Json,
        *,
        token: str | None = None,
    ) -> Json:
        return self.request(
            "POST", f"/v1/sessions/{session_id}/{channel}", json=target, token=token
        )

    def check_code(
        self,
        session_id: str,
        channel: Literal["email", "phone"],
        code: str,
        *,
        token: str | None = None,
    ) -> Json:
        return self.request(
            "POST", f"/v1/sessions/{session_id}/{channel}/check", json={"code": code}, token=token
        )

    # -- standalone checks, catalogue, webhooks -------------------------------------------
    def run_check(
        self,
        check: str,
        *,
        json: Json | None = None,
        files: Mapping[str, bytes] | None = None,
        params: Json | None = None,
    ) -> CheckResult:
        """`aml` takes `json`; the image checks take `files` (see the OpenAPI document)."""
        if json is not None:
            return self.request("POST", f"/v1/checks/{check}", json=json)
        import json as _json

        data = {"params": _json.dumps(params)} if params else None
        upload = {k: (k, v, "application/octet-stream") for k, v in (files or {}).items()}
        return self.request("POST", f"/v1/checks/{check}", files=upload, data=data)

    def list_codes(self) -> list[Code]:
        return self.request("GET", "/v1/codes")["items"]

    def set_webhook(self, url: str, events: list[str] | None = None) -> Json:
        """Returns the new signing secret (`secret`), shown once."""
        body: Json = {"url": url}
        if events:
            body["events"] = events
        return self.request("PUT", "/v1/webhook", json=body)

    def get_webhook(self) -> Json:
        return self.request("GET", "/v1/webhook")

    def list_webhook_deliveries(self, limit: int = 50) -> list[Json]:
        return self.request("GET", "/v1/webhook/deliveries", params={"limit": limit})["items"]

    def resend_webhook_delivery(self, delivery_id: str) -> Json:
        return self.request("POST", f"/v1/webhook/deliveries/{delivery_id}/resend")

    # -- review console and reports ------------------------------------------------------
    def invite_console_user(self, email: str, role: str) -> Json:
        """Invite a person to the review console (the invitation goes out by e-mail)."""
        return self.request("POST", "/v1/console/invites", json={"email": email, "role": role})

    def get_session_report(self, session_id: str) -> tuple[bytes, str, str]:
        """The session's PDF report: (pdf bytes, report id, its SHA-256)."""
        resp = self.request("GET", f"/v1/sessions/{session_id}/report.pdf", raw=True)
        return resp.content, resp.headers["X-Report-Id"], resp.headers["X-Report-SHA256"]

    def get_report(self, report_id: str) -> Json:
        """What idmesh recorded of a report (its session and SHA-256), to verify a PDF."""
        return self.request("GET", f"/v1/reports/{report_id}")

    # -- blocklist, AML monitoring, dead letters, operations -------------------------------
    def add_blocklist_entry(
        self, kind: str, *, value: str | None = None, session_id: str | None = None
    ) -> Json:
        body: Json = {"kind": kind}
        if value is not None:
            body["value"] = value
        if session_id is not None:
            body["session_id"] = session_id
        return self.request("POST", "/v1/blocklist", json=body)

    def list_blocklist(self) -> list[Json]:
        return self.request("GET", "/v1/blocklist")["items"]

    def delete_blocklist_entry(self, entry_id: str) -> None:
        self.request("DELETE", f"/v1/blocklist/{entry_id}")

    def list_aml_hits(self, status: str | None = None) -> list[Json]:
        params = {"status": status} if status else None
        return self.request("GET", "/v1/aml/hits", params=params)["items"]

    def review_aml_hit(self, hit_id: str, body: Json) -> Json:
        return self.request("POST", f"/v1/aml/hits/{hit_id}/review", json=body)

    def list_dead_letters(self, limit: int = 50) -> list[Json]:
        return self.request("GET", "/v1/dead-letters", params={"limit": limit})["items"]

    def get_health(self) -> Json:
        return self.request("GET", "/healthz")

    def get_readiness(self) -> Json:
        return self.request("GET", "/readyz")

    def get_metrics(self) -> str:
        resp = self._http.get("/metrics")
        resp.raise_for_status()
        return resp.text

    def get_openapi(self) -> Json:
        return self.request("GET", "/openapi.json")
