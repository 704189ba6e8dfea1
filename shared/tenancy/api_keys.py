"""API keys: created shown once, listed without the secret, revoked at once.

`issue`, `rotate` and `revoke` are what the API's `/v1/api-keys` and the console's API-keys
screen do: the change and its audit entry (with the acting key or person) in one place."""

from __future__ import annotations

import uuid
from datetime import datetime

import psycopg
from pydantic import BaseModel

from shared.audit import audit
from shared.tenancy.modes import Mode, key_prefix, mode_of
from shared.tenancy.scopes import normalise
from shared.tenancy.secrets import new_secret


class ApiKeyInfo(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    scopes: list[str] | None = None  # None: every scope (see shared/tenancy/scopes.py)
    expires_at: datetime | None = None
    rotated_from: uuid.UUID | None = None


class NewApiKey(ApiKeyInfo):
    api_key: str


_COLUMNS = (
    "id, name, prefix, created_at, last_used_at, revoked_at, scopes, expires_at, rotated_from"
)


def create_api_key(
    conn: psycopg.Connection,
    tenant_id: str,
    name: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    rotated_from: uuid.UUID | None = None,
    mode: Mode = "live",
) -> NewApiKey:
    """A new key; a `test` key (`idm_test_…`) only reaches the sandbox."""
    token, digest, prefix = new_secret(key_prefix(mode))
    row = conn.execute(
        "INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes, expires_at, "
        f"rotated_from) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (
            tenant_id,
            name,
            prefix,
            digest,
            normalise(scopes),
            expires_at,
            str(rotated_from) if rotated_from else None,
        ),
    ).fetchone()
    return NewApiKey(api_key=token, **row)


def list_api_keys(conn: psycopg.Connection) -> list[ApiKeyInfo]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at, id").fetchall()
    return [ApiKeyInfo.model_validate(r) for r in rows]


def rotate_api_key(
    conn: psycopg.Connection, tenant_id: str, key_id: uuid.UUID, grace_seconds: int
) -> NewApiKey | None:
    """A new key with the old one's name, scopes and expiry; the old one stops working after
    `grace_seconds` (0: at once), so a deployment can switch without an outage."""
    old = conn.execute(
        f"SELECT {_COLUMNS} FROM api_keys WHERE id = %s AND revoked_at IS NULL "
        "AND (expires_at IS NULL OR expires_at > now()) FOR UPDATE",
        (str(key_id),),
    ).fetchone()
    if old is None:
        return None
    new = create_api_key(
        conn,
        tenant_id,
        old["name"],
        old["scopes"],
        old["expires_at"],
        rotated_from=key_id,
        mode=mode_of(old["prefix"]),
    )
    conn.execute(
        "UPDATE api_keys SET expires_at = least(coalesce(expires_at, 'infinity'), "
        "now() + make_interval(secs => %s)) WHERE id = %s",
        (grace_seconds, str(key_id)),
    )
    return new


def revoke_api_key(conn: psycopg.Connection, key_id: uuid.UUID) -> bool:
    row = conn.execute(
        "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = %s RETURNING id",
        (str(key_id),),
    ).fetchone()
    return row is not None


# -- audited operations (the API and the console) ---------------------------------------------
def issue(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    name: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    mode: Mode = "live",
    actor_name: str | None = None,
) -> NewApiKey:
    key = create_api_key(conn, tenant_id, name, scopes, expires_at, mode=mode)
    audit(
        conn,
        tenant_id,
        actor,
        "api_key.created",
        details={"key_id": str(key.id), "name": key.name, "scopes": key.scopes, "mode": mode},
        actor_name=actor_name,
    )
    return key


def rotate(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    key_id: uuid.UUID,
    grace_seconds: int,
    actor_name: str | None = None,
) -> NewApiKey | None:
    """The new key, or None when `key_id` is no live key of the tenant."""
    key = rotate_api_key(conn, tenant_id, key_id, grace_seconds)
    if key is not None:
        audit(
            conn,
            tenant_id,
            actor,
            "api_key.rotated",
            details={"key_id": str(key_id), "new_key_id": str(key.id), "grace": grace_seconds},
            actor_name=actor_name,
        )
    return key


def revoke(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    key_id: uuid.UUID,
    actor_name: str | None = None,
) -> bool:
    """False when `key_id` is no key of the tenant."""
    if not revoke_api_key(conn, key_id):
        return False
    audit(
        conn,
        tenant_id,
        actor,
        "api_key.revoked",
        details={"key_id": str(key_id)},
        actor_name=actor_name,
    )
    return True
