"""A tenant's webhook endpoint: URL, subscribed events, secret (rotated with overlap)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from pydantic import BaseModel

from shared.crypto.envelope import TenantCipher
from shared.webhooks.address_policy import AddressRefused, Resolver, pin, resolve
from shared.webhooks.signing import new_secret

ROTATION_OVERLAP = timedelta(hours=24)
EVENT_NAMES = {
    "session.decided": "io.idmesh.session.decided.v1",
    "session.updated": "io.idmesh.session.updated.v1",
    "aml.hit": "io.idmesh.aml.hit.v1",  # deprecated: score 0–1
    "aml.hit.v2": "io.idmesh.aml.hit.v2",
}


class Endpoint(BaseModel):
    url: str
    events: list[str]
    secrets: list[str]  # current first, then the previous one while it overlaps


def url_problem(url: str, allow_private: bool, resolver: Resolver = resolve) -> str | None:
    """Why this URL may not receive webhooks (None when it may): the delivery policy."""
    try:
        pin(url, allow_private, resolver)
    except AddressRefused as exc:
        return str(exc)
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
