"""The `api` function: idmesh's tenant-facing HTTP API (API.md)."""

from __future__ import annotations

import functions_framework
from werkzeug.exceptions import HTTPException

from shared.api.app import ApiApp
from shared.http.problem import Problem
from shared.runtime.web import serve_web

host = serve_web(ApiApp())


@functions_framework.http
def api(request):
    return host(request)


@functions_framework.errorhandler(HTTPException)
def _framework_error(exc: HTTPException):
    """Requests the framework's own routing refuses (e.g. a path with an encoded newline,
    which its `<path:path>` rule does not match) answer problem JSON like every other."""
    code = exc.code or 400
    return Problem(code, exc.name, "no such endpoint" if code == 404 else "").response()
