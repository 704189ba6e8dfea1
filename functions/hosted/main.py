"""`hosted`: the verification pages an end user opens from a session's `verification_url`."""

from __future__ import annotations

import functions_framework

from shared.config import Settings
from shared.hosted.app import HostedApp

_app: HostedApp | None = None


@functions_framework.http
def hosted(request):
    global _app
    if _app is None:  # built in the serving process, after gunicorn's fork
        _app = HostedApp(Settings.from_env())
    return _app.handle(request)
