"""RFC 9457 problem details: every error answer of idmesh."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from werkzeug.wrappers import Response

from shared.errors import (
    AlreadyDone,
    ContentTooLarge,
    DomainError,
    FaceNotTemplated,
    IllegalTransition,
    InvalidCode,
    InvalidInput,
    TooManyAttempts,
    UnsupportedContent,
    json_pointer,
)

PROBLEM_TYPE_BASE = "https://idmesh.dev/problems/"

# Every problem `type` idmesh answers with (`PROBLEM_TYPE_BASE` + the key), and its meaning.
PROBLEM_TYPES: dict[str, str] = {
    "bad-request": "a query parameter or header is malformed (see `detail`)",
    "malformed-json": "the body is not JSON",
    "validation-error": "the body does not validate; `errors` lists `{pointer, detail}` per field",
    "unauthorized": "no API key / session token, or it is not valid or was revoked",
    "forbidden": "the credential may not call this endpoint (a session token on a tenant route)",
    "not-found": "no such endpoint or resource; another tenant's ids answer the same",
    "method-not-allowed": "the path exists with other methods (`Allow` lists them)",
    "conflict": "the resource is in a state that does not allow this",
    "session-state": "the session's status does not allow this call (`detail` says which)",
    "input-not-awaited": "no step of the session waits for this upload (`detail` says why)",
    "missing-artifacts": "submit refused: required steps lack uploads (`errors` lists them)",
    "idempotency-key-reused": "the Idempotency-Key was used with a different request",
    "content-too-large": "the body or file exceeds the size limit",
    "length-required": "uploads need a Content-Length",
    "unsupported-media-type": "wrong Content-Type, or the file is not a format its kind accepts",
    "empty-file": "the uploaded file is empty",
    "unprocessable-content": "the request is well-formed but cannot be processed",
    "rate-limited": "the tenant's per-minute rate limit is exceeded (`Retry-After`)",
    "too-many-requests": "a per-address or per-email limit is exceeded (`Retry-After`)",
    "invalid-code": "the registration code is wrong",
    "code-expired": "the registration code expired: register again",
    "too-many-attempts": "too many wrong registration codes",
    "already-verified": "the registration was already verified",
    "phone-invalid": "the phone number is not a valid number (`errors` says why)",
    "otp-invalid": "the one-time code is wrong (`detail` says how many attempts are left)",
    "otp-expired": "the one-time code expired: request a new one",
    "otp-not-sent": "no code was sent on this channel for this session",
    "otp-resend-too-soon": "wait before requesting another code (`Retry-After`)",
    "otp-send-limit": "too many codes were sent for this session",
    "otp-too-many-attempts": "too many wrong codes: request a new one",
    "face-template-missing": "the session's face was never templated (no blocklist step ran)",
    "hit-reviewed": "the AML hit was already reviewed",
    "not-ready": "the database does not answer (readiness)",
    "service-unavailable": "a dependency does not answer; retry later",
    "request-entity-too-large": "the request exceeds the server's size limit",
    "internal-server-error": "an unexpected error (logged; never expected)",
    "internal": "an unexpected error (logged with the request; never expected)",
    "database-unavailable": "the database is not reachable right now: retry shortly (503)",
    "check-unavailable": "the check's function could not run it right now: retry shortly (503)",
    "insufficient-scope": "the API key lacks the scope this route needs (`detail` names it)",
    "key-expired": "the API key is past its expiry: rotate or create a key",
    "invalid-image": "the upload does not decode as the image type it claims",
    "json-too-deep": "the JSON body nests deeper than the limit (checked before parsing)",
}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code or title.lower().replace(" ", "-")
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            out["errors"] = self.errors
        return out

    def response(self) -> Response:
        resp = Response(
            json.dumps(self.body()), status=self.status, mimetype="application/problem+json"
        )
        for k, v in self.headers.items():
            resp.headers[k] = v
        return resp


# Each domain error's HTTP answer (status, title); unknown ones are 422.
DOMAIN_STATUS: dict[type[DomainError], tuple[int, str]] = {
    IllegalTransition: (409, "Conflict"),
    AlreadyDone: (409, "Conflict"),
    FaceNotTemplated: (409, "Conflict"),
    InvalidInput: (422, "Unprocessable Content"),
    ContentTooLarge: (413, "Content Too Large"),
    UnsupportedContent: (415, "Unsupported Media Type"),
    InvalidCode: (400, "Bad Request"),
    TooManyAttempts: (429, "Too Many Requests"),
}


def problem_for(exc: DomainError) -> Problem:
    """The problem+json answer for a domain error (the HTTP edge's mapping)."""
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            status, title = DOMAIN_STATUS[cls]
            break
    else:
        status, title = 422, "Unprocessable Content"
    retry_after = getattr(exc, "retry_after", None)
    return Problem(
        status,
        title,
        exc.detail,
        code=exc.code,
        errors=exc.errors,
        headers={"Retry-After": str(retry_after)} if retry_after else None,
    )


def not_found(what: str = "resource") -> Problem:
    return Problem(404, "Not Found", f"no such {what}", code="not-found")


def validation_problem(exc: ValidationError, where: str = "body") -> Problem:
    errors: list[dict[str, Any]] = []
    for err in exc.errors(include_url=False, include_input=False):
        located = (err.get("ctx") or {}).get("errors")
        if isinstance(located, list):  # a model validator that names the exact fields
            errors.extend({**e, "type": err["type"]} for e in located)
            continue
        errors.append(
            {"pointer": json_pointer(err["loc"]), "detail": err["msg"], "type": err["type"]}
        )
    return invalid(errors, where)


def invalid(errors: list[dict[str, Any]], where: str = "body") -> Problem:
    """422 with one `{pointer, detail}` per wrong field."""
    return Problem(
        422,
        "Unprocessable Content",
        f"the request {where} is not valid",
        code="validation-error",
        errors=errors,
    )


def invalid_field(
    pointer: str,
    detail: str,
    reason: str | None = None,
    *,
    code: str = "validation-error",
    error_type: str | None = None,
) -> Problem:
    """422 for one wrong field: `detail` says what is wrong; the field's error (at `pointer`)
    says `reason`, else the same, and its `error_type` when given."""
    error = {"pointer": pointer, "detail": reason or detail}
    if error_type:
        error["type"] = error_type
    return Problem(422, "Unprocessable Content", detail, code=code, errors=[error])
