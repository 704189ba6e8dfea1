"""`relay`: publishes due outbox rows to the tenants' brokers, retries due webhook
deliveries and sweeps sessions (shared/runtime/relay_function.py)."""

from __future__ import annotations

import functions_framework

from shared.runtime.relay_function import RelayFunction
from shared.runtime.web import serve_web

host = serve_web(RelayFunction())


@functions_framework.http
def relay(request):
    return host(request)
