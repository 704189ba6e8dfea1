"""`vendor_data`: the tenant's own reference for the end user, treated as personal data.

Stored sealed with the session's data key (`session_keys`, the key artifacts use), so
erasure, which destroys that key, leaves no readable copy anywhere (dead tuples, WAL, a
backup taken before the erasure once the key is gone from every copy: docs/hardening.md).
Exact-match search (the API's `vendor_data` filter, the console's search and "other
sessions of this person") uses a keyed fingerprint: HMAC-SHA256 with a per-installation key
over the tenant and the value, never the value. Webhook payloads are stored without it;
the value is added when a delivery is attempted (shared/webhooks/delivery.py).

Rows written before migration 0130 keep the plain column until they are sealed
(`seal_legacy`, run by `idmesh up`/`idmesh db migrate` and `idmesh erasure seal-legacy`);
readers fall back to it meanwhile.
"""

from __future__ import annotations

from typing import Any

import psycopg

from shared.crypto.envelope import TenantCipher
from shared.crypto.keyed import fingerprint
from shared.sessions.artifacts import session_cipher

_PURPOSE = "vendor-data"
_LABEL = "vendor-data search"


def vendor_data_hash(tenant_id: str, value: str) -> str:
    """The keyed fingerprint exact-match searches compare with."""
    return fingerprint(_LABEL, str(tenant_id), value)


def _session_key(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, create: bool
) -> TenantCipher | None:
    if create:
        return session_cipher(conn, cipher, session_id)
    row = conn.execute(
        "SELECT wrapped_key FROM session_keys WHERE session_id = %s", (session_id,)
    ).fetchone()
    if row is None:
        return None
    return TenantCipher(
        cipher.tenant_id, cipher.open("session-key", session_id, row["wrapped_key"])
    )


def seal(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, value: str | None
) -> tuple[bytes | None, str | None]:
    """(ciphertext, fingerprint) to store for a session's vendor_data (creates its key)."""
    if value is None:
        return None, None
    own = _session_key(conn, cipher, session_id, create=True)
    assert own is not None
    return own.seal(_PURPOSE, session_id, value.encode()), vendor_data_hash(cipher.tenant_id, value)


def open_value(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, enc: bytes | None
) -> str | None:
    """The plain value (None when none was given or the session's key is gone)."""
    if enc is None:
        return None
    own = _session_key(conn, cipher, session_id, create=False)
    if own is None:
        return None
    return own.open(_PURPOSE, session_id, bytes(enc)).decode()


def of_session(conn: psycopg.Connection, cipher: TenantCipher, session: Any) -> str | None:
    """vendor_data of a SessionRow (or a row with id, vendor_data_enc and legacy vendor_data)."""
    get = session.get if isinstance(session, dict) else lambda k: getattr(session, k, None)
    enc = get("vendor_data_enc")
    if enc is None:
        return get("vendor_data")  # a row not sealed yet (before migration 0130)
    return open_value(conn, cipher, str(get("id")), enc)


def rekey(conn: psycopg.Connection, cipher: TenantCipher, session_id: str) -> None:
    """Seal vendor_data again under a fresh session key (artifact retention destroys the old
    key so leftover artifact ciphertext no longer opens; vendor_data must stay readable)."""
    row = conn.execute(
        "SELECT vendor_data_enc FROM sessions WHERE id = %s", (session_id,)
    ).fetchone()
    value = open_value(conn, cipher, session_id, row["vendor_data_enc"]) if row else None
    conn.execute("DELETE FROM session_keys WHERE session_id = %s", (session_id,))
    if value is not None:
        enc, _ = seal(conn, cipher, session_id, value)
        conn.execute("UPDATE sessions SET vendor_data_enc = %s WHERE id = %s", (enc, session_id))


def seal_legacy(conn: psycopg.Connection, cipher: TenantCipher, batch: int = 500) -> int:
    """Seal plain vendor_data of one tenant's sessions (in the caller's tenant tx)."""
    n = 0
    rows = conn.execute(
        "SELECT id, vendor_data FROM sessions WHERE vendor_data IS NOT NULL LIMIT %s", (batch,)
    ).fetchall()
    for r in rows:
        sid = str(r["id"])
        enc, digest = seal(conn, cipher, sid, r["vendor_data"])
        conn.execute(
            "UPDATE sessions SET vendor_data_enc = %s, vendor_data_hash = %s, vendor_data = NULL "
            "WHERE id = %s",
            (enc, digest, sid),
        )
        n += 1
    return n


def seal_legacy_all(admin_url: str, master_key: bytes) -> int:
    """Seal the plain vendor_data of every tenant (after migration 0130; idempotent).

    An operator's connection that lists every tenant (the cluster's superuser), one tenant
    transaction at a time."""
    from psycopg.rows import dict_row

    from shared.tenancy.tenants import tenant_cipher

    total = 0
    with psycopg.connect(admin_url, row_factory=dict_row) as conn:
        tenants = [str(r["id"]) for r in conn.execute("SELECT id FROM tenants ORDER BY id")]
        conn.commit()
        for tid in tenants:
            n = 1
            while n:
                with conn.transaction():  # no idmesh.mode: live and test sessions alike
                    conn.execute("SELECT set_config('idmesh.tenant_id', %s, true)", (tid,))
                    n = seal_legacy(conn, tenant_cipher(conn, master_key, tid))
                total += n
    return total
