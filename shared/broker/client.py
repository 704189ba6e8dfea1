"""Publishing to a broker ingress (what the outbox relay and the API use).

    from shared.broker.client import broker_ingress_url, publish
    status = publish(broker_ingress_url(base, "acme"), event)   # 202 once stored
    if 200 <= status < 300: mark the outbox row published

Binary content mode, as Knative's own senders use. Network errors are returned as status 0
so the caller keeps the row and tries again later.
"""

from __future__ import annotations

import logging

import httpx
from cloudevents.http import CloudEvent

from events.codec import to_binary_http

log = logging.getLogger(__name__)


def broker_ingress_url(base_url: str, tenant_slug: str, broker: str = "default") -> str:
    """`http://127.0.0.1:8090` + `acme` -> `http://127.0.0.1:8090/tenant-acme/default`.

    In a cluster the base is `http://broker-ingress.knative-eventing.svc.cluster.local`
    (the `K_SINK` the platform manifests set)."""
    return f"{base_url.rstrip('/')}/tenant-{tenant_slug}/{broker}"


def publish(
    ingress_url: str,
    event: CloudEvent,
    timeout_s: float = 10.0,
    client: httpx.Client | None = None,
) -> int:
    """POST one event; the HTTP status (0 on a network error). Never raises for HTTP."""
    headers, body = to_binary_http(event)
    headers = {k: str(v) for k, v in headers.items()}
    try:
        if client is not None:
            resp = client.post(ingress_url, headers=headers, content=body, timeout=timeout_s)
        else:
            resp = httpx.post(ingress_url, headers=headers, content=body, timeout=timeout_s)
    except httpx.HTTPError as exc:
        log.warning("publish of event %s failed: %s", event["id"], type(exc).__name__)
        return 0
    if resp.status_code >= 300:
        log.warning(
            "broker refused event %s: %s %s", event["id"], resp.status_code, resp.text[:200]
        )
    return resp.status_code
