"""Velocity keys: per-tenant keyed hashes of the values velocity counts, stored per session.

Equal values match inside a tenant, never across tenants (the key is the tenant's data key);
a value is never stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

import psycopg
from pydantic import BaseModel

from shared.crypto.envelope import TenantCipher

SAMPLE_SESSIONS = 10  # session ids listed as evidence (the count is exact)


class Velocity(BaseModel):
    kind: str
    other_sessions: int
    session_ids: list[str]  # the most recent ones, at most SAMPLE_SESSIONS


def velocity_key(cipher: TenantCipher, kind: str, normalised: str) -> str:
    return hmac.new(cipher.dek, f"risk:{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


def record_key(
    conn: psycopg.Connection, tenant_id: str, session_id: str, kind: str, key: str
) -> None:
    conn.execute(
        "INSERT INTO risk_keys (tenant_id, session_id, kind, key) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (tenant_id, session_id, kind, key),
    )


def velocity(
    conn: psycopg.Connection, kind: str, key: str, session_id: str, since: datetime
) -> Velocity:
    """Other sessions of the tenant (RLS) with this key since `since` (index range scan)."""
    # One row per (session, kind, key): the count is the number of other sessions.
    where = "WHERE kind = %s AND key = %s AND created_at >= %s AND session_id <> %s"
    args = (kind, key, since, session_id)
    n = conn.execute(f"SELECT count(*) AS n FROM risk_keys {where}", args).fetchone()["n"]
    sample = conn.execute(
        f"SELECT session_id FROM risk_keys {where} ORDER BY created_at DESC LIMIT %s",
        (*args, SAMPLE_SESSIONS),
    ).fetchall()
    return Velocity(kind=kind, other_sessions=n, session_ids=[str(r["session_id"]) for r in sample])
