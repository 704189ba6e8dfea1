"""Erasure that erases: everything personal that is reachable from a session goes with it.

Destroyed: artifacts and the session's own data key they were sealed with (crypto-shredding:
any copy of their ciphertext left in pages or WAL no longer opens), check results, one-time
codes and their targets, face templates, document uses, liveness frame hashes, challenges,
the messages sent to the person (sealed, linked by session_id), the AML monitoring
enrolment and its hits (monitoring stops). Webhook deliveries keep only ids and status
(`vendor_data` removed). The session row stays as a tombstone (ids, status, times) and the
hash-chained audit trail stays (it holds ids, codes and actors, never personal values).
Tenant blocklist entries made from the session stay: they are the tenant's fraud list
(keyed fingerprints, a masked hint, a sealed template).
"""

from __future__ import annotations

import psycopg
from pydantic import BaseModel

_PER_SESSION = (
    "artifacts",
    "checks",
    "otp_codes",
    "hosted_links",
    "hosted_progress",
    "face_templates",
    "document_uses",
    "frame_hashes",
    "challenges",
    "aml_hits",
    "aml_subjects",
    "session_network",  # risk: the keyed addresses the end user came from
    "risk_keys",  # risk: keyed values velocity counts
    "case_notes",  # the console's notes on the case (their mentions go with them)
    "case_aml_dispositions",  # reviewers' reasons about the screening's matches
    "session_keys",  # crypto-shredding: leftover artifact ciphertext no longer opens
)


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
    for table in _PER_SESSION:
        rows[table] = conn.execute(
            f"DELETE FROM {table} WHERE session_id = %s", (session_id,)
        ).rowcount
    rows["messages"] = conn.execute(
        "SELECT idmesh_erase_session_messages(%s) AS n", (session_id,)
    ).fetchone()["n"]
    rows["webhook_deliveries_redacted"] = redact_deliveries(conn, session_id)
    conn.execute(
        "UPDATE sessions SET expected_enc = NULL, vendor_data = NULL, callback_url = NULL, "
        "redirect_url = NULL, decision = NULL, deleted_at = now(), updated_at = now() "
        "WHERE id = %s",
        (session_id,),
    )
    return Erased(rows=rows)


def purge_artifacts(conn: psycopg.Connection, session_id: str) -> int:
    """Artifact retention: the files go, results and the decision stay."""
    n = conn.execute("DELETE FROM artifacts WHERE session_id = %s", (session_id,)).rowcount
    for table in ("face_templates", "frame_hashes", "session_keys"):
        conn.execute(f"DELETE FROM {table} WHERE session_id = %s", (session_id,))
    conn.execute("UPDATE sessions SET artifacts_purged_at = now() WHERE id = %s", (session_id,))
    return n
