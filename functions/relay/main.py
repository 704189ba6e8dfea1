"""`relay`: woken by the PingSource (and on demand), publishes due outbox rows to the
tenants' brokers and retries due webhook deliveries. Not an idmesh event consumer: any
POST is a tick."""

import functions_framework
import httpx
from werkzeug.wrappers import Response

from shared.config import Settings
from shared.eventing.relay import Relay
from shared.platform import Platform
from shared.sessions.sweeper import SessionSweeper
from shared.webhooks.delivery import deliver_due

_state: dict = {}


def _platform() -> Platform:
    if "platform" not in _state:
        settings = Settings.from_env()
        _state["platform"] = Platform.from_settings(settings, pool_size=2)
        _state["relay"] = Relay(_state["platform"].db, settings.broker_url)
    return _state["platform"]


@functions_framework.http
def relay(request):
    platform = _platform()
    if request.method == "GET" and request.path in ("/healthz", "/readyz"):
        ok = request.path == "/healthz" or platform.db.ping()
        return Response(status=200 if ok else 503)
    if request.method != "POST":
        return Response(status=405)
    with httpx.Client(timeout=10) as client:
        published, failed = _state["relay"].publish_due(client)
        webhooks = deliver_due(platform, client)
        SessionSweeper(platform.db).sweep()
    # Knative: a source's sink answers an empty 2xx.
    return Response(
        status=202,
        headers={
            "x-idmesh-published": str(published),
            "x-idmesh-failed": str(failed),
            "x-idmesh-webhooks": str(webhooks),
        },
    )
