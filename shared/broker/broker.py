"""The local broker: Knative MT-broker semantics on one process (ingress + dispatcher).

Public API (see docs/eventing.md):

    broker = LocalBroker(manifests_dir, services_file, state_dir, port=8090)
    broker.start()            # binds 127.0.0.1:port, starts the dispatcher threads
    broker.ingress_url("tenant-acme", "default")
    broker.stop()

or `python -m shared.broker --port P --manifests DIR --services FILE --state DIR`.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent

from events.codec import EventRejected, parse_cloudevent
from shared.broker.config import (
    Delivery,
    ServiceUrls,
    Topology,
    Unresolvable,
    resolve_destination,
)
from shared.broker.filters import trigger_matches
from shared.broker.metrics import Metrics
from shared.broker.store import DeliveryRow, Store
from shared.workload.identity import SA_PREFIX, broker_audience, trigger_subject
from shared.workload.tokens import TokenSource, bearer
from shared.workload.verifier import AuthFailure, JwksCache, TokenVerifier

log = logging.getLogger(__name__)

TTL_EXTENSION = "knativebrokerttl"
ARRIVAL_EXTENSION = "knativearrivaltime"
DEFAULT_TTL = 255
TTL_EXHAUSTED = "knativebrokerttl exhausted (event loop?)"
ERROR_DATA_MAX = 1024  # bytes of the failed response body kept in knativeerrordata
# Headers a Knative broker passes through to subscribers (besides the CloudEvent's own).
_PASS_THROUGH_PREFIXES = ("knative-", "x-b3-")
_PASS_THROUGH = {"x-request-id", "retry-after"}
_RETRYABLE = {404, 408, 409, 429}


def retryable(code: int | None) -> bool:
    """Knative's SelectiveRetry: network errors, 5xx, 404, 408, 409 and 429."""
    return code is None or code >= 500 or code in _RETRYABLE


def pass_through_headers(headers: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for k, v in headers.items():
        low = k.lower()
        if low in _PASS_THROUGH or low.startswith(_PASS_THROUGH_PREFIXES):
            out[low] = v
    return out


@dataclass(frozen=True)
class IngestResult:
    status: int
    reason: str = ""
    seq: int | None = None
    deliveries: int = 0


@dataclass
class _Outcome:
    code: int | None  # HTTP status, None for a network error / timeout
    ok: bool
    error: str = ""
    body: bytes = b""
    dest: str | None = None
    reply: CloudEvent | None = None
    retry_after_s: float | None = None


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class BrokerAuth:
    """Knative `authentication-oidc` on the local broker: the ingress verifies each POST's
    token (audience = the broker's, sender allowed by the EventPolicies that apply to it, or
    by Knative's default `allow-same-namespace` when none does); deliveries to a subscriber
    (or dead-letter sink) that has an `audience` carry a token for it, with the identity of
    the Trigger's OIDC service account, as Knative's broker filter sends them."""

    keys: JwksCache
    tokens: TokenSource | None

    def check_ingress(
        self, topology: Any, namespace: str, broker: str, authorization: str | None
    ) -> None:
        allowed = topology.senders_of(namespace, broker)
        if allowed is None:
            allowed = [f"{SA_PREFIX}{namespace}:*"]
        verifier = TokenVerifier(self.keys, broker_audience(namespace, broker), allowed)
        verifier.verify(authorization)

    def headers_for(self, dest: Any, trigger_key: str) -> dict[str, str]:
        audience = dest.get("audience") if isinstance(dest, Mapping) else None
        if not audience or self.tokens is None:
            return {}
        namespace, _, trigger = trigger_key.partition("/")
        return bearer(self.tokens, str(audience), trigger_subject(namespace, trigger))


class LocalBroker:
    """Ingress `POST /<namespace>/<broker>` plus durable, retried per-Trigger delivery."""

    def __init__(
        self,
        manifests_dir: str | Path | None,
        services_file: str | Path | None,
        state_dir: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        workers: int = 8,
        poll_interval_s: float = 0.5,
        max_body_bytes: int = 4 * 1024 * 1024,
        auth: BrokerAuth | None = None,
    ) -> None:
        self.auth = auth
        self.topology = Topology(manifests_dir)
        self.services = ServiceUrls(services_file)
        self.store = Store(state_dir)
        self.metrics = Metrics()
        self.host, self.port = host, port
        self.workers = max(1, workers)
        self.poll_interval_s = poll_interval_s
        self.max_body_bytes = max_body_bytes
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._slots = threading.Semaphore(self.workers)
        self._pool: ThreadPoolExecutor | None = None
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._local = threading.local()
        self._running = 0
        self._running_lock = threading.Lock()
        self.ready = False

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def ingress_url(self, namespace: str, broker: str = "default") -> str:
        return f"{self.url}/{namespace}/{broker}"

    def start(self) -> LocalBroker:
        from shared.broker.server import make_server

        recovered = self.store.recover()
        if recovered:
            log.info("resuming %d delivery(ies) interrupted by the previous run", recovered)
        self._server = make_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="broker-dispatch")
        server = self._server
        for target, name in (
            (lambda: server.serve_forever(poll_interval=0.1), "broker-http"),
            (self._schedule_loop, "broker-scheduler"),
        ):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        self.ready = True
        log.info("local broker listening on %s", self.url)
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop accepting, let running deliveries finish for up to `timeout_s`. Deliveries
        still running or queued stay `inflight` in the state and are resumed at next start
        (at-least-once: the subscriber may see them twice)."""
        self.ready = False
        self._stop.set()
        self._wake.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for t in self._threads:
            t.join(timeout_s)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            with self._running_lock:
                if self._running == 0:
                    break
            time.sleep(0.02)
        else:
            log.warning("stopping with deliveries still running; they resume at next start")
            return
        self.store.close()

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- ingress ------------------------------------------------------------------------
    def ingest(
        self, namespace: str, broker_name: str, headers: Mapping[str, str], body: bytes
    ) -> IngestResult:
        """Authenticate the sender, validate, store durably and fan out an event; the HTTP
        status to answer (401/403 for a sender without an acceptable token)."""
        result = self._authenticate(namespace, broker_name, headers)
        if result is None:
            result = self._ingest(namespace, broker_name, headers, body, db=None)
        if result.status == 202:
            self.metrics.inc(
                "idmesh_broker_events_accepted_total", namespace=namespace, broker=broker_name
            )
            self._wake.set()
        else:
            self.metrics.inc(
                "idmesh_broker_events_rejected_total",
                namespace=namespace,
                broker=broker_name,
                code=str(result.status),
            )
        return result

    def _authenticate(
        self, namespace: str, broker_name: str, headers: Mapping[str, str]
    ) -> IngestResult | None:
        if self.auth is None or self.topology.broker(namespace, broker_name) is None:
            return None  # no auth configured (library use), or 404 below
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        try:
            self.auth.check_ingress(self.topology, namespace, broker_name, auth)
        except AuthFailure as exc:
            log.warning("ingress %s/%s refused a sender: %s", namespace, broker_name, exc.reason)
            return IngestResult(exc.status, exc.reason)
        return None

    def _prepare(
        self, namespace: str, broker_name: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[IngestResult | None, CloudEvent | None, list[tuple[str, dict[str, Any]]]]:
        broker = self.topology.broker(namespace, broker_name)
        if broker is None:
            return IngestResult(404, f"broker {namespace}/{broker_name} not found"), None, []
        try:
            ev = parse_cloudevent(headers, body)
        except EventRejected as exc:
            return IngestResult(exc.status, exc.reason), None, []
        tenant = ev.get("tenantid")
        if broker.tenant_id and str(tenant or "").lower() != broker.tenant_id.lower():
            return (
                IngestResult(400, "tenantid does not belong to this broker's tenant"),
                None,
                [],
            )
        # knativebrokerttl: default when absent, else decremented; refused at 0 (loop guard).
        raw_ttl = ev.get(TTL_EXTENSION)
        try:
            ttl = DEFAULT_TTL if raw_ttl is None else int(raw_ttl) - 1
        except (TypeError, ValueError):
            ttl = DEFAULT_TTL
        if ttl <= 0:
            return IngestResult(400, TTL_EXHAUSTED), None, []
        ev[TTL_EXTENSION] = ttl
        ev[ARRIVAL_EXTENSION] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        attrs = ev.get_attributes()
        matched = [
            (t.key, t.spec)
            for t in self.topology.triggers_of(namespace, broker_name)
            if trigger_matches(t.spec, attrs)
        ]
        return None, ev, matched

    def _ingest(self, namespace, broker_name, headers, body, db) -> IngestResult:
        refused, ev, matched = self._prepare(namespace, broker_name, headers, body)
        if refused is not None:
            return refused
        assert ev is not None
        _, structured = to_structured(ev)
        args = (
            namespace,
            broker_name,
            dict(ev.get_attributes()),
            structured,
            pass_through_headers(headers),
            matched,
        )
        seq = self.store.insert_event(db, *args) if db is not None else self.store.accept(*args)
        log.info(
            "accepted event %s type=%s on %s/%s for %d trigger(s)",
            ev["id"],
            ev["type"],
            namespace,
            broker_name,
            len(matched),
        )
        return IngestResult(202, "", seq, len(matched))

    # -- dispatch -----------------------------------------------------------------------
    def _schedule_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._wake.clear()  # before claiming: a wake-up during the round is kept
                self.topology.refresh()
                free = 0
                while self._slots.acquire(blocking=False):
                    free += 1
                if free == 0:  # every worker busy: a finishing worker wakes us
                    self._wake.wait(self.poll_interval_s)
                    continue
                rows = self.store.claim_due(free)
                for _ in range(free - len(rows)):
                    self._slots.release()
                for row in rows:
                    assert self._pool is not None
                    self._pool.submit(self._run_delivery, row)
                if rows and len(rows) < free:
                    continue  # maybe more became due meanwhile; the next round waits
                wait = self.store.next_due_in()
                timeout = self.poll_interval_s if wait is None else min(wait, self.poll_interval_s)
                self._wake.wait(max(timeout, 0.005))
            except Exception:  # keep dispatching whatever happens to one round
                log.exception("broker scheduler round failed")
                time.sleep(self.poll_interval_s)

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(follow_redirects=False, trust_env=False)
            self._local.client = client
        return client

    def _run_delivery(self, row: DeliveryRow) -> None:
        with self._running_lock:
            self._running += 1
        try:
            if self._stop.is_set():
                return  # left `inflight`: the next start makes it due again
            self._deliver(row)
        except Exception:
            # Never lose the delivery: put it back as due later.
            log.exception("delivery %s crashed; rescheduled", row.id)
            self.store.schedule(
                row.id,
                row.phase,
                row.attempts,
                1.0,
                row.last_code,
                "internal error",
                row.last_dest,
                row.last_body,
            )
        finally:
            with self._running_lock:
                self._running -= 1
            self._slots.release()
            self._wake.set()

    def _trigger_spec(self, row: DeliveryRow) -> dict[str, Any]:
        current = self.topology.trigger(row.trigger_key)
        return current.spec if current is not None else row.trigger_spec

    def _deliver(self, row: DeliveryRow) -> None:
        spec = self._trigger_spec(row)
        delivery = self.topology.delivery_for(spec, row.namespace)
        # parse_cloudevent, not from_http: the SDK would invent a `time` attribute.
        ev = parse_cloudevent({"content-type": "application/cloudevents+json"}, row.structured)
        if row.phase == "dls":
            self._deliver_dead_letter(row, spec, delivery, ev)
            return
        ttl = None
        try:
            dest = resolve_destination(spec["subscriber"], row.namespace, self.services, self.url)
        except Unresolvable as exc:
            outcome = _Outcome(
                code=None,
                ok=False,
                error=f"dispatch error: {exc}",
                body=f"dispatch error: {exc}".encode(),
            )
        else:
            # Knative's filter removes the TTL before the subscriber and reattaches it to a reply.
            attrs = dict(ev.get_attributes())
            ttl = attrs.pop(TTL_EXTENSION, None)
            outgoing = CloudEvent(attrs, ev.get_data())
            if "time" not in attrs:
                del outgoing["time"]
            headers = {**row.headers, **self._auth_headers(spec["subscriber"], row.trigger_key)}
            outcome = self._send(dest, outgoing, headers, delivery.timeout_s, reply=True)
        if outcome.ok:
            if outcome.reply is not None:
                self._accept_reply(row, outcome, ttl, delivery)
                return
            with self.store._tx() as db:
                self.store.mark_done(db, row.id, outcome.code)
            self.metrics.inc("idmesh_broker_deliveries_total", trigger=row.trigger_key)
            return
        self._failed(row, delivery, outcome, final=not retryable(outcome.code))

    def _accept_reply(
        self, row: DeliveryRow, outcome: _Outcome, ttl: Any, delivery: Delivery
    ) -> None:
        reply = outcome.reply
        assert reply is not None
        if ttl is not None:
            reply[TTL_EXTENSION] = ttl  # reattached as is; the ingress decrements it
        headers, body = to_structured(reply)
        with self.store._tx(durable=True) as db:
            result = self._ingest(row.namespace, row.broker, dict(headers), body, db=db)
            if result.status == 202 or result.reason == TTL_EXHAUSTED:
                self.store.mark_done(db, row.id, outcome.code)
        if result.status == 202:
            self.metrics.inc("idmesh_broker_deliveries_total", trigger=row.trigger_key)
            self.metrics.inc("idmesh_broker_replies_total", trigger=row.trigger_key)
            self._wake.set()
        elif result.reason == TTL_EXHAUSTED:
            self.metrics.inc("idmesh_broker_deliveries_total", trigger=row.trigger_key)
            self.metrics.inc("idmesh_broker_ttl_dropped_total", trigger=row.trigger_key)
            log.warning(
                "dropped reply %s of trigger %s: knativebrokerttl exhausted",
                reply["id"],
                row.trigger_key,
            )
        else:
            # A reply the broker refuses (wrong tenant, invalid) fails the delivery for good.
            bad = _Outcome(
                code=502,
                ok=False,
                error=f"reply refused: {result.reason}",
                body=f"reply refused: {result.reason}".encode(),
                dest=outcome.dest,
            )
            self._failed(row, delivery, bad, final=True)

    def _failed(self, row: DeliveryRow, delivery: Delivery, outcome: _Outcome, final: bool) -> None:
        attempts = row.attempts + 1
        if not final and attempts <= delivery.retry:
            delay = delivery.backoff(attempts)
            if (
                outcome.code in (429, 503)
                and outcome.retry_after_s is not None
                and delivery.retry_after_max_s is not None
                and outcome.retry_after_s > delay
            ):
                # Knative's delivery-retryafter: Retry-After, capped by retryAfterMax.
                delay = min(outcome.retry_after_s, delivery.retry_after_max_s)
            self.metrics.inc("idmesh_broker_retries_total", trigger=row.trigger_key)
            log.info(
                "delivery %s to %s failed (%s), retry %d/%d in %.2fs",
                row.id,
                row.trigger_key,
                outcome.code or outcome.error,
                attempts,
                delivery.retry,
                delay,
            )
            self.store.schedule(
                row.id,
                "subscriber",
                attempts,
                delay,
                outcome.code,
                outcome.error,
                outcome.dest,
                outcome.body[:ERROR_DATA_MAX],
            )
            return
        code = outcome.code if outcome.code is not None else 500
        body = outcome.body or outcome.error.encode()
        if delivery.dead_letter_sink:
            self.store.schedule(
                row.id, "dls", 0, 0.0, code, outcome.error, outcome.dest, body[:ERROR_DATA_MAX]
            )
            self._wake.set()
        else:
            self._record_dead_letter(row, code, outcome.dest, body, "no-sink")

    def _record_dead_letter(
        self,
        row: DeliveryRow,
        code: int | None,
        dest: str | None,
        body: bytes | None,
        sink_status: str,
    ) -> None:
        data = base64.b64encode((body or b"")[:ERROR_DATA_MAX]).decode()
        dl_id = self.store.record_dead_letter(row, code, dest, data, sink_status)
        self.metrics.inc(
            "idmesh_broker_dead_letters_total", trigger=row.trigger_key, sink=sink_status
        )
        log.warning(
            "delivery %s of trigger %s dead-lettered (code %s, sink %s, id %d)",
            row.id,
            row.trigger_key,
            code,
            sink_status,
            dl_id,
        )

    def _deliver_dead_letter(
        self, row: DeliveryRow, spec: dict[str, Any], delivery: Delivery, ev: CloudEvent
    ) -> None:
        code, dest, body = row.last_code or 500, row.last_dest, row.last_body or b""
        dls = delivery.dead_letter_sink
        if not dls:
            self._record_dead_letter(row, code, dest, body, "no-sink")
            return
        ev["knativeerrorcode"] = str(code)
        if dest:
            ev["knativeerrordest"] = dest
        ev["knativeerrordata"] = base64.b64encode(body[:ERROR_DATA_MAX]).decode()
        try:
            sink = resolve_destination(dls, row.namespace, self.services, self.url)
        except Unresolvable as exc:
            outcome = _Outcome(code=None, ok=False, error=str(exc))
        else:
            headers = {**row.headers, **self._auth_headers(dls, row.trigger_key)}
            outcome = self._send(sink, ev, headers, delivery.timeout_s, reply=False)
        if outcome.ok:
            self._record_dead_letter(row, code, dest, body, "delivered")
            return
        attempts = row.attempts + 1
        if retryable(outcome.code) and attempts <= delivery.retry:
            self.store.schedule(
                row.id,
                "dls",
                attempts,
                delivery.backoff(attempts),
                code,
                row.last_error,
                dest,
                body,
            )
            return
        self._record_dead_letter(row, code, dest, body, "sink-failed")

    def _auth_headers(self, dest: Any, trigger_key: str) -> dict[str, str]:
        """The subscriber's token (no token now raises: `_run_delivery` reschedules)."""
        if self.auth is None:
            return {}
        return self.auth.headers_for(dest, trigger_key)

    def _send(
        self,
        url: str,
        ev: CloudEvent,
        extra_headers: Mapping[str, str],
        timeout_s: float,
        reply: bool,
    ) -> _Outcome:
        headers, body = to_binary(ev)
        headers = {k: str(v) for k, v in headers.items()}
        if ev.get("datacontenttype"):
            headers["content-type"] = ev["datacontenttype"]
        headers.update(extra_headers)
        if reply:
            headers["prefer"] = "reply"
        try:
            resp = self._client().post(url, content=body or b"", headers=headers, timeout=timeout_s)
        except httpx.HTTPError as exc:
            return _Outcome(
                code=None,
                ok=False,
                dest=url,
                error=f"dispatch error: {type(exc).__name__}: {exc}"[:500],
                body=f"dispatch error: {type(exc).__name__}".encode(),
            )
        code = resp.status_code
        content = resp.content
        if not 200 <= code < 300:
            return _Outcome(
                code=code,
                ok=False,
                dest=url,
                error=f"HTTP {code}",
                body=content[:ERROR_DATA_MAX],
                retry_after_s=_retry_after(resp.headers.get("retry-after")),
            )
        if not reply or not content:
            return _Outcome(code=code, ok=True, dest=url)
        is_event = "ce-specversion" in resp.headers or resp.headers.get(
            "content-type", ""
        ).startswith("application/cloudevents")
        if not is_event:
            # Knative's filter: a non-empty body that is not a CloudEvent is a failure (502).
            return _Outcome(
                code=502,
                ok=False,
                dest=url,
                body=content[:ERROR_DATA_MAX],
                error="non-empty response that is not a CloudEvent",
            )
        if code == 202:
            log.warning("ignoring a CloudEvent in a 202 response from %s", url)
            return _Outcome(code=code, ok=True, dest=url)
        try:
            reply_ev = parse_cloudevent(dict(resp.headers), content)
        except EventRejected as exc:
            return _Outcome(
                code=502,
                ok=False,
                dest=url,
                error=f"malformed reply: {exc.reason}",
                body=f"malformed reply: {exc.reason}".encode(),
            )
        return _Outcome(code=code, ok=True, dest=url, reply=reply_ev)
