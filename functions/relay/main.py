"""`relay`: publishes due outbox rows to the tenants' brokers, retries due webhook
deliveries and times sessions out.

On Knative it runs with min-scale 1: the first probe starts a background loop that wakes on
Postgres NOTIFY (an outbox row committed) and at least every second. The PingSource tick
(any POST) runs one pass as well, so events flow even if the loop were stopped."""

import json
import threading

import functions_framework
import httpx
from werkzeug.wrappers import Response

from shared.config import Settings
from shared.eventing.relay import Relay, RelayLoop
from shared.observability import metrics, setup_observability
from shared.platform import Platform
from shared.sessions.sweeper import SessionSweeper
from shared.webhooks.delivery import deliver_due
from shared.workload.verifier import AuthFailure
from shared.workload.wiring import relay_verifier, token_source

_state: dict = {}
_lock = threading.Lock()


def _start() -> Platform:
    with _lock:
        if "platform" not in _state:
            settings = Settings.from_env()
            setup_observability("relay", settings)
            platform = Platform.for_jobs(settings, pool_size=3)
            relay = Relay(platform.db, settings.broker_url, tokens=token_source(settings))
            loop = RelayLoop(
                [
                    relay.publish_due,
                    lambda c: deliver_due(platform, c),
                    SessionSweeper(platform.db, sandbox_hours=settings.sandbox_retention_hours),
                ],
                listen_url=platform.db.url,
            )
            loop.start()
            _state.update(
                platform=platform, relay=relay, loop=loop, verifier=relay_verifier(settings)
            )
    return _state["platform"]


@functions_framework.http
def relay(request):
    platform = _start()
    if request.method == "GET" and request.path == "/metrics":
        with platform.db.platform() as conn:
            metrics.refresh_operations(conn)
        return Response(metrics.render(), content_type=metrics.CONTENT_TYPE)
    if request.method == "GET" and request.path == "/healthz":
        return _json(200, {"status": "ok"})
    if request.method == "GET" and request.path == "/readyz":
        # What the relay waits for, as every function's /readyz says it.
        if platform.db.ping():
            return _json(200, {"status": "ready"})
        return _json(503, {"status": "starting", "waiting_for": "database (the jobs' pool)"})
    if request.method != "POST":
        return Response(status=405)
    # The tick's sender: the PingSource's own identity (every delivery is authenticated).
    try:
        _state["verifier"].verify(request.headers.get("Authorization"))
    except AuthFailure as exc:
        return Response(exc.reason, status=exc.status)
    with httpx.Client(timeout=10) as client:
        published, failed = _state["relay"].publish_due(client)
        webhooks = deliver_due(platform, client)
    # Knative: a source's sink answers an empty 2xx.
    return Response(
        status=202,
        headers={
            "x-idmesh-published": str(published),
            "x-idmesh-failed": str(failed),
            "x-idmesh-webhooks": str(webhooks),
        },
    )


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
