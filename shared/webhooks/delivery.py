"""Webhook deliveries: recorded per event, attempted, retried with backoff, every attempt
logged. A delivery's `webhook-id` is the event id, so receivers can de-duplicate.

Every attempt goes to the endpoint as it is *now* (a retry after `PUT /v1/webhook` follows
the new URL and is signed with the new secret); the delivery row records the URL of its
latest attempt. The host is resolved once per attempt, checked by the address policy and
connected to at that address. URLs are never logged with their credentials or query.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import httpx

from shared.config import Settings
from shared.observability import metrics
from shared.observability.tracing import (
    A_TENANT,
    end_span,
    extract,
    start_span,
)
from shared.platform import Platform
from shared.sessions import vendor_data
from shared.webhooks import redact
from shared.webhooks.address_policy import AddressRefused, Resolver, pin, resolve
from shared.webhooks.endpoint import EVENT_NAMES, get_endpoint
from shared.webhooks.signing import signature_header

log = logging.getLogger(__name__)
redact.install("httpx", "httpcore", __name__)

# Seconds before attempt n+1 (Standard Webhooks-style schedule); then the delivery fails.
BACKOFF = [5, 30, 120, 600, 1800, 7200, 18000, 36000]
SHORT_NAMES = {v: k for k, v in EVENT_NAMES.items()}


def backoff_scale() -> float:
    return Settings.current().webhook_backoff_scale


def attempt(
    platform: Platform,
    tenant_id: str,
    delivery_id: str,
    client: httpx.Client,
    resolver: Resolver = resolve,
) -> str:
    """One delivery attempt; returns the delivery's status afterwards."""
    with platform.db.tenant(tenant_id) as conn:
        d = conn.execute(
            "SELECT * FROM webhook_deliveries WHERE id = %s FOR UPDATE SKIP LOCKED", (delivery_id,)
        ).fetchone()
        if d is None or d["status"] != "pending":
            return d["status"] if d else "missing"
        endpoint = get_endpoint(conn, platform.cipher(conn, tenant_id))
        if endpoint is not None and endpoint.url != d["url"] and not _follow(conn, d, endpoint.url):
            return "superseded"
        body = json.dumps(with_vendor_data(conn, platform, d), separators=(",", ":")).encode()
        ts = int(time.time())
        code, error = None, None
        t0 = time.perf_counter()
        sp = start_span(
            "webhook POST",
            session_id=d["session_id"] and str(d["session_id"]),
            incoming=extract(d["traceparent"]),
            attributes={"idmesh.delivery_id": str(delivery_id), A_TENANT: tenant_id},
        )
        if endpoint is None:
            error = "no webhook endpoint configured"
        else:
            code, error = _post(
                platform, client, resolver, endpoint.url, endpoint.secrets, d, body, ts
            )
        ms = (time.perf_counter() - t0) * 1000
        end_span(sp, code, error)
        metrics.WEBHOOK_DURATION.observe(ms / 1000)
        conn.execute(
            "INSERT INTO webhook_attempts (tenant_id, delivery_id, status_code, error, duration_ms)"
            " VALUES (%s, %s, %s, %s, %s)",
            (tenant_id, delivery_id, code, error, ms),
        )
        attempts = d["attempts"] + 1
        if error is None:
            status, nxt = "delivered", None
        elif attempts > len(BACKOFF):
            status, nxt = "failed", None
        else:
            status = "pending"
            nxt = datetime.now(UTC) + timedelta(seconds=BACKOFF[attempts - 1] * backoff_scale())
        metrics.WEBHOOK_ATTEMPTS.labels("retry" if status == "pending" else status).inc()
        conn.execute(
            "UPDATE webhook_deliveries SET attempts = %s, status = %s, "
            "next_attempt = coalesce(%s, next_attempt), "
            "delivered_at = CASE WHEN %s = 'delivered' THEN now() END WHERE id = %s",
            (attempts, status, nxt, status, delivery_id),
        )
    return status


def with_vendor_data(conn, platform: Platform, d: dict) -> dict:
    """The stored payload plus the session's `vendor_data`, opened now (it is never stored
    in the delivery: after erasure no copy of it remains). Legacy payloads that still carry
    it are sent as stored."""
    payload = d["payload"]
    data = payload.get("data") if isinstance(payload, dict) else None
    if d["session_id"] is None or not isinstance(data, dict) or "vendor_data" in data:
        return payload
    row = conn.execute(
        "SELECT id, vendor_data_enc, vendor_data, deleted_at FROM sessions WHERE id = %s",
        (d["session_id"],),
    ).fetchone()
    if row is None or row["deleted_at"] is not None:
        return payload
    value = vendor_data.of_session(conn, platform.cipher(conn, str(d["tenant_id"])), row)
    if value is None:
        return payload
    return {**payload, "data": {**data, "vendor_data": value}}


def _follow(conn, d: dict, url: str) -> bool:
    """Point a pending delivery at the endpoint's current URL. False when another delivery
    of the same event to that URL exists already (this one is then closed as failed)."""
    moved = conn.execute(
        "UPDATE webhook_deliveries SET url = %s WHERE id = %s AND NOT EXISTS ("
        "  SELECT 1 FROM webhook_deliveries o WHERE o.webhook_id = %s AND o.url = %s"
        "  AND o.id <> %s) RETURNING id",
        (url, d["id"], d["webhook_id"], url, d["id"]),
    ).fetchone()
    if moved is None:
        conn.execute("UPDATE webhook_deliveries SET status = 'failed' WHERE id = %s", (d["id"],))
        conn.execute(
            "INSERT INTO webhook_attempts (tenant_id, delivery_id, status_code, error, "
            "duration_ms) VALUES (%s, %s, NULL, %s, 0)",
            (d["tenant_id"], d["id"], "superseded by a delivery to the current endpoint"),
        )
    return moved is not None


def _post(
    platform: Platform,
    client: httpx.Client,
    resolver: Resolver,
    url: str,
    secrets: list[str],
    d: dict,
    body: bytes,
    ts: int,
) -> tuple[int | None, str | None]:
    """Send one signed attempt to the checked address; (status code, error)."""
    try:
        target = pin(url, platform.settings.webhook_allow_private, resolver)
    except AddressRefused as exc:
        return None, str(exc)
    headers = {
        "content-type": "application/json",
        "webhook-id": d["webhook_id"],
        "webhook-timestamp": str(ts),
        "webhook-signature": signature_header(secrets, d["webhook_id"], ts, body),
        "user-agent": "idmesh-webhooks/1",
    }
    try:
        resp = client.post(target.url, content=body, timeout=10.0, **target.request_kwargs(headers))
    except httpx.HTTPError as exc:
        log.info("webhook to %s failed: %s", redact.redact_url(url), type(exc).__name__)
        return None, type(exc).__name__
    if not 200 <= resp.status_code < 300:
        return resp.status_code, f"answered {resp.status_code}"
    return resp.status_code, None


def deliver_due(platform: Platform, client: httpx.Client, limit: int = 50) -> int:
    """Retry every delivery whose time has come (the relay's periodic task)."""
    with platform.db.no_tenant() as conn:
        due = conn.execute("SELECT * FROM idmesh_webhooks_due(%s)", (limit,)).fetchall()
    for d in due:
        try:
            attempt(platform, str(d["tenant_id"]), str(d["id"]), client)
        except Exception:  # one broken delivery must not hold up the others
            log.exception("webhook delivery %s failed", d["id"])
    return len(due)
