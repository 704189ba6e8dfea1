"""A data-subject export: everything idmesh holds about the person of one session.

JSON, with every file (artifact) inline as base64 and every sealed value opened: the
session (status, decision, the tenant's `vendor_data`, expected data), check results with
their data, artifacts, one-time-code targets, messages sent to the person, webhook payloads
about the session, the AML monitoring enrolment and hits, blocklist entries made from the
session, and the session's audit trail.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import psycopg

from shared.audit import session_audit_trail
from shared.checks.scale import fraction_on_api_scale
from shared.crypto.envelope import TenantCipher
from shared.messaging.delivery import open_message
from shared.sessions.artifacts import open_artifacts
from shared.sessions.results import load_results

EXPORT_FORMAT = "idmesh.session-export.v1"


def _artifacts(conn: psycopg.Connection, cipher: TenantCipher, sid: str) -> list[dict]:
    rows = conn.execute(
        "SELECT id, kind, content_type, size_bytes, sha256, created_at, ciphertext, sealed_with "
        "FROM artifacts WHERE session_id = %s ORDER BY created_at, id",
        (sid,),
    ).fetchall()
    contents = open_artifacts(conn, cipher, sid, rows)
    return [
        {
            "artifact_id": str(r["id"]),
            "kind": r["kind"],
            "content_type": r["content_type"],
            "size_bytes": r["size_bytes"],
            "sha256": r["sha256"],
            "created_at": r["created_at"],
            "content_base64": base64.b64encode(data).decode(),
        }
        for r, data in zip(rows, contents, strict=True)
    ]


def _codes(conn: psycopg.Connection, cipher: TenantCipher, sid: str) -> list[dict]:
    rows = conn.execute(
        "SELECT id, channel, target_enc, attempts, sends, created_at, verified_at, details "
        "FROM otp_codes WHERE session_id = %s ORDER BY created_at",
        (sid,),
    ).fetchall()
    return [
        {
            "channel": r["channel"],
            "target": cipher.open("otp", str(r["id"]), r["target_enc"]).decode(),
            "attempts": r["attempts"],
            "sends": r["sends"],
            "created_at": r["created_at"],
            "verified_at": r["verified_at"],
            "facts": r["details"],
        }
        for r in rows
    ]


def _messages(conn: psycopg.Connection, cipher: TenantCipher, sid: str) -> list[dict]:
    rows = conn.execute("SELECT * FROM idmesh_session_messages(%s)", (sid,)).fetchall()
    return [
        {
            "channel": r["channel"],
            "delivered": r["delivered"],
            "created_at": r["created_at"],
            **open_message(cipher, sid, r["sealed"]),
        }
        for r in rows
        if r["sealed"] is not None
    ]


def _aml(conn: psycopg.Connection, cipher: TenantCipher, sid: str) -> dict[str, Any]:
    subjects = conn.execute(
        "SELECT id, subject_enc, active, created_at FROM aml_subjects WHERE session_id = %s",
        (sid,),
    ).fetchall()
    hits = conn.execute(
        "SELECT id, entity_id, list, list_version, score, change, details_enc, status, "
        "note, created_at, reviewed_at FROM aml_hits WHERE session_id = %s ORDER BY created_at",
        (sid,),
    ).fetchall()
    return {
        "monitoring": [
            {
                "active": r["active"],
                "created_at": r["created_at"],
                "subject": json.loads(cipher.open("aml-subject", str(r["id"]), r["subject_enc"])),
            }
            for r in subjects
        ],
        "hits": [
            {
                **{k: v for k, v in r.items() if k not in ("id", "details_enc")},
                "hit_id": str(r["id"]),
                "score": fraction_on_api_scale(r["score"]),
                "details": json.loads(cipher.open("aml-hit", str(r["id"]), r["details_enc"])),
            }
            for r in hits
        ],
    }


def build_export(conn: psycopg.Connection, cipher: TenantCipher, session: Any) -> dict[str, Any]:
    """`session` is the SessionRow (visible to the caller, not erased)."""
    from shared.sessions import vendor_data
    from shared.sessions.store import expected_of

    sid = str(session.id)
    expected = expected_of(cipher, session)
    deliveries = conn.execute(
        "SELECT id, event_type, payload, status, attempts, created_at, delivered_at "
        "FROM webhook_deliveries WHERE session_id = %s ORDER BY created_at",
        (sid,),
    ).fetchall()
    blocklist = conn.execute(
        "SELECT id, kind, hint, created_at FROM blocklist WHERE session_id = %s", (sid,)
    ).fetchall()
    return {
        "format": EXPORT_FORMAT,
        "session": {
            "session_id": sid,
            "status": session.status,
            "workflow_id": str(session.workflow_id),
            "workflow_version": session.workflow_version,
            "vendor_data": vendor_data.of_session(conn, cipher, session),
            "callback_url": session.callback_url,
            "decision": session.decision,
            "created_at": session.created_at,
            "submitted_at": session.submitted_at,
            "decided_at": session.decided_at,
            "expected": expected.model_dump(mode="json") if expected else None,
        },
        "checks": [
            {k: v for k, v in r.items() if k != "check_id"} for r in load_results(conn, cipher, sid)
        ],
        "artifacts": _artifacts(conn, cipher, sid),
        "one_time_codes": _codes(conn, cipher, sid),
        "messages": _messages(conn, cipher, sid),
        "webhook_deliveries": [{**r, "id": str(r["id"])} for r in deliveries],
        "aml": _aml(conn, cipher, sid),
        "blocklist_entries": [{**r, "id": str(r["id"])} for r in blocklist],
        "audit_trail": [e.model_dump(mode="json") for e in session_audit_trail(conn, sid)],
    }
