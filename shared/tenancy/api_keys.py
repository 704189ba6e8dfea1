"""API keys: created shown once, listed without the secret, revoked at once."""

from __future__ import annotations

import uuid
from datetime import datetime

import psycopg
from pydantic import BaseModel

from shared.tenancy.secrets import API_KEY_PREFIX, new_secret


class ApiKeyInfo(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class NewApiKey(ApiKeyInfo):
    api_key: str


def create_api_key(conn: psycopg.Connection, tenant_id: str, name: str) -> NewApiKey:
    token, digest, prefix = new_secret(API_KEY_PREFIX)
    row = conn.execute(
        "INSERT INTO api_keys (tenant_id, name, prefix, key_hash) VALUES (%s, %s, %s, %s) "
        "RETURNING id, name, prefix, created_at, last_used_at, revoked_at",
        (tenant_id, name, prefix, digest),
    ).fetchone()
    return NewApiKey(api_key=token, **row)


def list_api_keys(conn: psycopg.Connection) -> list[ApiKeyInfo]:
    rows = conn.execute(
        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys "
        "ORDER BY created_at, id"
    ).fetchall()
    return [ApiKeyInfo.model_validate(r) for r in rows]


def revoke_api_key(conn: psycopg.Connection, key_id: uuid.UUID) -> bool:
    row = conn.execute(
        "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = %s RETURNING id",
        (str(key_id),),
    ).fetchone()
    return row is not None
