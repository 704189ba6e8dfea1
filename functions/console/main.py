"""`console`: the review console a tenant's people sign in to (queue, cases, reports,
analytics, team). Thin: the console's rules live in shared/console."""

from __future__ import annotations

import functions_framework

from shared.console.app import ConsoleApp
from shared.runtime.web import AppFunction, serve_web

host = serve_web(AppFunction("console", ConsoleApp))


@functions_framework.http
def console(request):
    return host(request)
