"""`console`: the review console a tenant's people sign in to (queue, cases, reports,
analytics, team). Thin: the console's rules live in shared/console."""

from __future__ import annotations

import functions_framework

from shared.config import Settings
from shared.console.app import ConsoleApp

_app: ConsoleApp | None = None


@functions_framework.http
def console(request):
    global _app
    if _app is None:  # built in the serving process, after gunicorn's fork
        _app = ConsoleApp(Settings.from_env())
    return _app.handle(request)
