"""The outbox relay: publishes every tenant's due outbox rows to that tenant's broker.

A row is marked published only after the broker answered 2xx; otherwise it is retried with
backoff. Events go to `<broker_url>/tenant-<slug>/default`, the tenant's own broker.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import httpx
from cloudevents.http import CloudEvent
from opentelemetry.trace import StatusCode

from events import to_binary_http
from events.types import PLATFORM_EVENT_TYPES
from shared.db.tenant_tx import Database
from shared.eventing.outbox import row_to_event
from shared.observability.tracing import (
    A_EVENT_ID,
    A_EVENT_TYPE,
    A_TENANT,
    SpanKind,
    current_traceparent,
    extract,
    span,
)
from shared.workload.identity import broker_audience
from shared.workload.tokens import TokenSource, bearer

log = logging.getLogger(__name__)


def broker_path(tenant_slug: str, broker: str = "default") -> str:
    return f"/tenant-{tenant_slug}/{broker}"


# Platform events (a tenant's registration) go to the platform Broker: the tenant's own
# Broker does not exist yet.
PLATFORM_BROKER_REF = ("idmesh", "platform")  # namespace, broker
PLATFORM_BROKER_PATH = "/{}/{}".format(*PLATFORM_BROKER_REF)


@dataclass
class Relay:
    db: Database
    broker_url: str
    batch: int = 100
    timeout: float = 5.0
    tokens: TokenSource | None = None  # the relay's identity towards each tenant broker

    def publish_due(self, client: httpx.Client | None = None) -> tuple[int, int]:
        """One pass: (published, failed)."""
        own = client is None
        client = client or httpx.Client(timeout=self.timeout)
        ok = failed = 0
        try:
            with self.db.no_tenant() as conn:
                rows = conn.execute("SELECT * FROM idmesh_outbox_due(%s)", (self.batch,)).fetchall()
            for row in rows:
                error = None
                try:
                    ev = row_to_event(row["event"])
                except Exception as exc:  # noqa: BLE001 - one malformed row must not block the rest
                    ev, error = None, f"malformed outbox event ({type(exc).__name__})"
                if ev is not None:
                    with span(
                        f"relay publish {ev['type']}",
                        kind=SpanKind.PRODUCER,
                        session_id=ev.get("sessionid"),
                        incoming=extract(ev.get("traceparent"), ev.get("tracestate")),
                        attributes={
                            A_TENANT: ev["tenantid"],
                            A_EVENT_ID: ev["id"],
                            A_EVENT_TYPE: ev["type"],
                        },
                    ) as sp:
                        error = self._post(client, row["tenant_slug"], ev)
                        if error:
                            sp.set_status(StatusCode.ERROR)
                with self.db.no_tenant() as conn:
                    conn.execute(
                        "SELECT idmesh_outbox_result(%s, %s, %s)", (row["id"], error is None, error)
                    )
                if error is None:
                    ok += 1
                else:
                    failed += 1
                    log.warning("outbox %s not published: %s", row["id"], error)
        finally:
            if own:
                client.close()
        return ok, failed

    def _post(self, client: httpx.Client, tenant_slug: str, ev: CloudEvent) -> str | None:
        """Publish one event (its traceparent now names the relay's span); an error or None."""
        traceparent, tracestate = current_traceparent(ev.get("sessionid"))
        if traceparent:
            ev["traceparent"] = traceparent
            if tracestate:
                ev["tracestate"] = tracestate
        try:
            headers, body = to_binary_http(ev)
            if ev["type"] in PLATFORM_EVENT_TYPES:
                path, aud = PLATFORM_BROKER_PATH, broker_audience(*PLATFORM_BROKER_REF)
            else:
                path, aud = broker_path(tenant_slug), broker_audience(f"tenant-{tenant_slug}")
            headers.update(bearer(self.tokens, aud))
            url = self.broker_url.rstrip("/") + path
            resp = client.post(url, headers=headers, content=body)
        except (httpx.HTTPError, OSError) as exc:  # PermissionError: no token for the broker
            return f"{type(exc).__name__}: {exc}"
        if not 200 <= resp.status_code < 300:
            return f"broker answered {resp.status_code}"
        return None


class RelayLoop:
    """Runs the relay (and any other periodic task) in a thread: at once when Postgres
    notifies `idmesh_outbox` (an outbox row committed), else every `interval` seconds."""

    def __init__(self, tasks: list, interval: float = 1.0, listen_url: str | None = None) -> None:
        self.tasks = tasks
        self.interval = interval
        self.listen_url = listen_url
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="relay", daemon=True)
        self._listener = threading.Thread(target=self._listen, name="relay-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if self.listen_url:
            self._listener.start()

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.listen_url, autocommit=True) as conn:
                    conn.execute("LISTEN idmesh_outbox")
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self._wake.set()
            except Exception:  # reconnect after a database restart
                log.warning("relay listener lost its connection; reconnecting")
                self._stop.wait(1.0)

    def _loop(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while not self._stop.is_set():
                self._wake.clear()
                for task in self.tasks:
                    try:
                        task(client)
                    except Exception:  # keep relaying whatever one pass hit
                        log.exception("relay task failed")
                self._wake.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
