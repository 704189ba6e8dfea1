"""The `api` function: idmesh's tenant-facing HTTP API (API.md)."""

from __future__ import annotations

import functions_framework
from werkzeug.exceptions import HTTPException

from shared.api.app import ApiApp
from shared.api.services import get_services
from shared.http.problem import Problem

_app: ApiApp | None = None


@functions_framework.http
def api(request):
    global _app
    if _app is None:  # built in the serving process, after gunicorn's fork
        _app = ApiApp(get_services())
    return _app.handle(request)


@functions_framework.errorhandler(HTTPException)
def _framework_error(exc: HTTPException):
    """Requests the framework's own routing refuses (e.g. a path with an encoded newline,
    which its `<path:path>` rule does not match) answer problem JSON like every other."""
    code = exc.code or 400
    return Problem(code, exc.name, "no such endpoint" if code == 404 else "").response()
