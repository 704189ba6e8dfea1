"""Operator reads of the messages idmesh delivered locally (registration codes, one-time
codes): `idmesh outbox` and the demo read them; tests read the codes they must type."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from shared.crypto.envelope import TenantCipher
from shared.messaging.delivery import open_message, recipient_hash


def _embedded_master_key(conn: psycopg.Connection) -> bytes | None:
    """The local master key of idmesh's embedded cluster (DATA_DIR/pg/data ->
    DATA_DIR/master.key), when this operator can read it; None elsewhere."""
    try:
        pgdata = Path(conn.execute("SHOW data_directory").fetchone()["data_directory"])
        key_file = pgdata.parent.parent / "master.key"
        return base64.b64decode(key_file.read_bytes()) if key_file.is_file() else None
    except (psycopg.Error, OSError, ValueError):
        return None


def read_messages(
    admin_url: str, to: str | None = None, limit: int = 20, master_key: bytes | None = None
) -> list[dict]:
    """The newest messages first (an operator read: runs as the cluster's superuser).

    Messages about a session are sealed with their tenant's key: with the master key they
    are opened (and `to` also finds them by their keyed recipient hash), else shown sealed.
    """
    with psycopg.connect(admin_url, row_factory=dict_row) as conn:
        master_key = master_key or _embedded_master_key(conn)
        digest = recipient_hash(master_key, to) if (master_key and to) else None
        rows = conn.execute(
            "SELECT m.id, m.tenant_id, m.session_id, m.channel, m.recipient, m.subject, m.body,"
            " m.sealed, m.delivered, m.created_at, t.wrapped_dek FROM messages m "
            "LEFT JOIN tenants t ON t.id = m.tenant_id "
            "WHERE (%s::text IS NULL OR m.recipient = %s OR m.recipient_hash = %s) "
            "ORDER BY m.id DESC LIMIT %s",
            (to, to, digest, limit),
        ).fetchall()
    out = []
    for r in rows:
        sealed, wrapped = r.pop("sealed"), r.pop("wrapped_dek")
        if sealed is not None:
            r.update(recipient=None, subject="(sealed)", body="(sealed)")
            if master_key is not None:
                cipher = TenantCipher.unwrap(master_key, str(r["tenant_id"]), wrapped)
                r.update(open_message(cipher, str(r["session_id"]), sealed))
        out.append({**r, "code": code_in(r["body"])})
    return out


def code_in(body: str) -> str | None:
    """The one-time code a message carries (6 digits), so scripts need not cut it out."""
    m = re.search(r"\b(\d{6})\b", body or "")
    return m.group(1) if m else None
