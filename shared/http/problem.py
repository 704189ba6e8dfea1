"""RFC 9457 problem details: every error answer of idmesh."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from werkzeug.wrappers import Response

from shared.errors import DomainError, IllegalTransition

PROBLEM_TYPE_BASE = "https://idmesh.dev/problems/"


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
}


def problem_for(exc: DomainError) -> Problem:
    """The problem+json answer for a domain error (the HTTP edge's mapping)."""
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            status, title = DOMAIN_STATUS[cls]
            break
    else:
        status, title = 422, "Unprocessable Content"
    return Problem(status, title, exc.detail, code=exc.code)


def not_found(what: str = "resource") -> Problem:
    return Problem(404, "Not Found", f"no such {what}", code="not-found")


def validation_problem(exc: ValidationError, where: str = "body") -> Problem:
    errors = [
        {
            "pointer": "/" + "/".join(str(p) for p in err["loc"]),
            "detail": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]
    return Problem(
        422,
        "Unprocessable Content",
        f"the request {where} is not valid",
        code="validation-error",
        errors=errors,
    )
