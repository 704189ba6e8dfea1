"""The relay on the function runtime: publishes due outbox rows to the tenants' brokers,
retries due webhook deliveries and sweeps sessions (expiry, retention, sandbox).

`start` opens the jobs' pool and begins a background loop that wakes on Postgres NOTIFY (an
outbox row committed) and at least every second; on Knative the relay runs with min-scale 1.
The PingSource tick (an authenticated POST) runs one pass as well, so events flow even if
the loop were stopped. `stop` ends the loop and closes the pool.
"""

from __future__ import annotations

import json

import httpx
from werkzeug.wrappers import Request, Response

from shared.config import Settings
from shared.eventing.relay import Relay, RelayLoop
from shared.observability import metrics, setup_observability
from shared.platform import Platform
from shared.runtime.web import WebFunction
from shared.sessions.sweeper import SessionSweeper
from shared.webhooks.delivery import deliver_due
from shared.workload.verifier import AuthFailure
from shared.workload.wiring import relay_verifier, token_source


class RelayFunction(WebFunction):
    name = "relay"

    def start(self, settings: Settings) -> None:
        setup_observability("relay", settings)
        self.platform = Platform.for_jobs(settings, pool_size=3)
        self.relay = Relay(self.platform.db, settings.broker_url, tokens=token_source(settings))
        self.loop = RelayLoop(
            [
                self.relay.publish_due,
                lambda c: deliver_due(self.platform, c),
                SessionSweeper(
                    self.platform.db,
                    sandbox_hours=settings.sandbox_retention_hours,
                    master_key=self.platform.master_key,
                ),
            ],
            listen_url=self.platform.db.url,
        )
        self.loop.start()
        self.verifier = relay_verifier(settings)

    def stop(self) -> None:
        self.loop.stop()
        self.platform.db.close()

    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/metrics":
            with self.platform.db.no_tenant() as conn:
                metrics.refresh_operations(conn)
            return Response(metrics.render(), content_type=metrics.CONTENT_TYPE)
        if request.method == "GET" and request.path == "/healthz":
            return _json(200, {"status": "ok"})
        if request.method == "GET" and request.path == "/readyz":
            # What the relay waits for, as every function's /readyz says it.
            if self.platform.db.ping():
                return _json(200, {"status": "ready"})
            return _json(503, {"status": "starting", "waiting_for": "database (the jobs' pool)"})
        if request.method != "POST":
            return Response(status=405)
        # The tick's sender: the PingSource's own identity (every delivery is authenticated).
        try:
            self.verifier.verify(request.headers.get("Authorization"))
        except AuthFailure as exc:
            return Response(exc.reason, status=exc.status)
        with httpx.Client(timeout=10) as client:
            published, failed = self.relay.publish_due(client)
            webhooks = deliver_due(self.platform, client)
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
