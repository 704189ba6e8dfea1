"""A tenant's webhook endpoint: URL, subscribed events, secret (rotated with overlap)."""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import psycopg
from pydantic import BaseModel

from shared.crypto.envelope import TenantCipher
from shared.webhooks.signing import new_secret

ROTATION_OVERLAP = timedelta(hours=24)
EVENT_NAMES = {
    "session.decided": "io.idmesh.session.decided.v1",
    "session.updated": "io.idmesh.session.updated.v1",
    "aml.hit": "io.idmesh.aml.hit.v1",
}


class Endpoint(BaseModel):
    url: str
    events: list[str]
    secrets: list[str]  # current first, then the previous one while it overlaps


def url_problem(url: str, allow_private: bool) -> str | None:
    """Why this URL may not receive webhooks (None when it may)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "the URL must be http(s) with a host"
    if allow_private:
        return None
    if parts.scheme != "https":
        return "the URL must be https"
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return "the host does not resolve"
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            return "the host resolves to a private address"
    return None


def set_endpoint(
    conn: psycopg.Connection, cipher: TenantCipher, url: str, events: list[str]
) -> str:
    """Create or replace the endpoint; a new secret each time, the old one valid 24 h more."""
    secret = new_secret()
    old = conn.execute("SELECT secret_enc FROM webhook_endpoints").fetchone()
    sealed = cipher.seal("webhook-secret", cipher.tenant_id, secret.encode())
    if old is None:
        conn.execute(
            "INSERT INTO webhook_endpoints (tenant_id, url, events, secret_enc) "
            "VALUES (%s, %s, %s, %s)",
            (cipher.tenant_id, url, events, sealed),
        )
    else:
        prev = cipher.open("webhook-secret", cipher.tenant_id, old["secret_enc"])
        conn.execute(
            "UPDATE webhook_endpoints SET url = %s, events = %s, secret_enc = %s, "
            "previous_secret_enc = %s, previous_until = %s, updated_at = now()",
            (
                url,
                events,
                sealed,
                cipher.seal("webhook-secret-prev", cipher.tenant_id, prev),
                datetime.now(UTC) + ROTATION_OVERLAP,
            ),
        )
    return secret


def get_endpoint(conn: psycopg.Connection, cipher: TenantCipher) -> Endpoint | None:
    row = conn.execute("SELECT * FROM webhook_endpoints").fetchone()
    if row is None:
        return None
    secrets_ = [cipher.open("webhook-secret", cipher.tenant_id, row["secret_enc"]).decode()]
    if row["previous_secret_enc"] and row["previous_until"] > datetime.now(UTC):
        secrets_.append(
            cipher.open(
                "webhook-secret-prev", cipher.tenant_id, row["previous_secret_enc"]
            ).decode()
        )
    return Endpoint(url=row["url"], events=list(row["events"]), secrets=secrets_)
