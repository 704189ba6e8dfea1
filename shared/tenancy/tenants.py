"""Tenants: creation (at the end of registration) and the tenant's own view."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime

import psycopg
from anyascii import anyascii
from pydantic import BaseModel

from shared.crypto.envelope import TenantCipher, new_wrapped_dek


class Tenant(BaseModel):
    tenant_id: uuid.UUID
    slug: str
    name: str
    email: str
    status: str
    created_at: datetime
    # `provisioning` until the tenant's Broker is Ready on a cluster (the provisioner).
    provisioning: str = "ready"


def slug_for(organization: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", anyascii(organization).lower()).strip("-")[:30].strip("-")
    return f"{base or 'tenant'}-{secrets.token_hex(3)}"


def create_tenant(
    conn: psycopg.Connection,
    master_key: bytes,
    tenant_id: str,
    name: str,
    email: str,
    provisioning: str = "ready",
) -> Tenant:
    """Insert the tenant row; the transaction must already be scoped to `tenant_id`."""
    row = conn.execute(
        "INSERT INTO tenants (id, slug, name, email, wrapped_dek, provisioning) "
        "VALUES (%s, %s, %s, %s, %s, %s) "
        "RETURNING id AS tenant_id, slug, name, email, status, created_at, provisioning",
        (
            tenant_id,
            slug_for(name),
            name,
            email,
            new_wrapped_dek(master_key, tenant_id),
            provisioning,
        ),
    ).fetchone()
    return Tenant.model_validate(row)


def get_tenant(conn: psycopg.Connection) -> Tenant | None:
    row = conn.execute(
        "SELECT id AS tenant_id, slug, name, email, status, created_at, provisioning FROM tenants"
    ).fetchone()
    return Tenant.model_validate(row) if row else None


def mark_provisioned(conn: psycopg.Connection) -> bool:
    """The provisioner saw the tenant's Broker Ready (tenant-scoped transaction)."""
    row = conn.execute(
        "UPDATE tenants SET provisioning = 'ready', provisioned_at = now() "
        "WHERE provisioning = 'provisioning' RETURNING id"
    ).fetchone()
    return row is not None


def tenant_cipher(conn: psycopg.Connection, master_key: bytes, tenant_id: str) -> TenantCipher:
    row = conn.execute("SELECT wrapped_dek FROM tenants WHERE id = %s", (tenant_id,)).fetchone()
    if row is None:
        raise LookupError("tenant not visible in this transaction")
    return TenantCipher.unwrap(master_key, str(tenant_id), row["wrapped_dek"])
