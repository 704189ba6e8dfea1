"""Erasure that erases: everything personal that is reachable from a session goes with it.

Destroyed: artifacts and the session's own data key they were sealed with (crypto-shredding:
any copy of their ciphertext left in pages or WAL no longer opens), check results, one-time
codes and their targets, face templates, document uses, liveness frame hashes, challenges,
the messages sent to the person (sealed, linked by session_id), the AML monitoring
enrolment and its hits (monitoring stops). Webhook deliveries keep only ids and status
(payloads are stored without `vendor_data`, which is added when a delivery is sent;
older payloads are redacted). `vendor_data` was sealed with the session key: gone with
it, and its keyed fingerprint is cleared. The session row stays as a tombstone (ids,
status, times) and the hash-chained audit trail stays (it holds ids, codes and actors,
never personal values).
Tenant blocklist entries made from the session stay: they are the tenant's fraud list
(keyed fingerprints, a masked hint, a sealed template).
"""

from __future__ import annotations

import psycopg
from pydantic import BaseModel

from shared.crypto.envelope import TenantCipher
from shared.db.session_data import ERASED_WITH_SESSION
from shared.sessions import erasure_ledger, vendor_data


class Erased(BaseModel):
    rows: dict[str, int]


def redact_deliveries(conn: psycopg.Connection, session_id: str) -> int:
    """Webhook payloads about the session keep the event type, time, ids and status only."""
    return conn.execute(
        "UPDATE webhook_deliveries SET payload = jsonb_build_object("
        "'type', payload->'type', 'timestamp', payload->'timestamp', 'redacted', true, "
        "'data', jsonb_strip_nulls(jsonb_build_object("
        "'session_id', payload->'data'->'session_id', 'status', payload->'data'->'status'))) "
        "WHERE session_id = %s AND NOT coalesce((payload->>'redacted')::boolean, false)",
        (session_id,),
    ).rowcount


def erase_session(conn: psycopg.Connection, session_id: str) -> Erased:
    """Erase one session in the caller's tenant transaction (all or nothing)."""
    rows: dict[str, int] = {}
    for table in ERASED_WITH_SESSION:
        rows[table] = conn.execute(
            f"DELETE FROM {table} WHERE session_id = %s", (session_id,)
        ).rowcount
    rows["messages"] = conn.execute(
        "SELECT idmesh_erase_session_messages(%s) AS n", (session_id,)
    ).fetchone()["n"]
    rows["webhook_deliveries_redacted"] = redact_deliveries(conn, session_id)
    erasure_ledger.record(conn, session_id)  # ids and time: replayed after a restore
    conn.execute(
        "UPDATE sessions SET expected_enc = NULL, vendor_data = NULL, vendor_data_enc = NULL, "
        "vendor_data_hash = NULL, sandbox_magic = NULL, callback_url = NULL, "
        "redirect_url = NULL, decision = NULL, deleted_at = now(), updated_at = now() "
        "WHERE id = %s",
        (session_id,),
    )
    return Erased(rows=rows)


def purge_artifacts(
    conn: psycopg.Connection, session_id: str, cipher: TenantCipher | None = None
) -> int:
    """Artifact retention: the files go, results, the decision and vendor_data stay.

    The session key the files were sealed with is destroyed; vendor_data, sealed with it
    too, is sealed again under a fresh key first (with the tenant's `cipher`; without it the
    key is kept, so vendor_data stays readable)."""
    n = conn.execute("DELETE FROM artifacts WHERE session_id = %s", (session_id,)).rowcount
    for table in ("face_templates", "frame_hashes"):
        conn.execute(f"DELETE FROM {table} WHERE session_id = %s", (session_id,))
    if cipher is not None:
        vendor_data.rekey(conn, cipher, session_id)
    else:
        conn.execute(
            "DELETE FROM session_keys WHERE session_id = %s AND NOT EXISTS ("
            "SELECT 1 FROM sessions WHERE id = %s AND vendor_data_enc IS NOT NULL)",
            (session_id, session_id),
        )
    conn.execute("UPDATE sessions SET artifacts_purged_at = now() WHERE id = %s", (session_id,))
    return n
