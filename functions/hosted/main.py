"""`hosted`: the verification pages an end user opens from a session's `verification_url`."""

from __future__ import annotations

import functions_framework

from shared.hosted.app import HostedApp
from shared.runtime.web import AppFunction, serve_web

host = serve_web(AppFunction("hosted", HostedApp))


@functions_framework.http
def hosted(request):
    return host(request)
