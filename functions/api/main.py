"""The `api` function: idmesh's tenant-facing HTTP API (API.md)."""

from __future__ import annotations

import functions_framework

from shared.api.app import ApiApp
from shared.api.services import get_services
from shared.http.problem import not_found

_app: ApiApp | None = None


@functions_framework.http
def api(request):
    global _app
    if _app is None:  # built in the serving process, after gunicorn's fork
        _app = ApiApp(get_services())
    return _app.handle(request)


@functions_framework.errorhandler(404)
def _no_route(_exc):
    """Paths the framework itself cannot route (an encoded newline): problem JSON too."""
    return not_found("endpoint").response()
