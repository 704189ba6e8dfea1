"""Check results of a session: written by check functions, read by the API.

Result `data` may hold personal data (names, dates of birth): it is sealed with the
tenant's key; the status, score, warning codes and model names stay queryable.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from shared.checks.result import CheckResult
from shared.crypto.envelope import TenantCipher


def save_result(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    step: str,
    result: CheckResult,
    event_id: str | None = None,
) -> str:
    """Insert or replace the result of one step (a re-run replaces a pending result)."""
    row = conn.execute(
        "INSERT INTO checks (tenant_id, session_id, step, check_name, status, score, warnings, "
        "duration_ms, model, event_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (session_id, step) DO UPDATE SET status = EXCLUDED.status, "
        "score = EXCLUDED.score, warnings = EXCLUDED.warnings, "
        "duration_ms = EXCLUDED.duration_ms, model = EXCLUDED.model, "
        "event_id = EXCLUDED.event_id, updated_at = now() RETURNING id",
        (
            cipher.tenant_id,
            session_id,
            step,
            result.check,
            result.status.value,
            result.score,
            json.dumps([w.model_dump(mode="json") for w in result.warnings]),
            result.duration_ms,
            json.dumps([m.model_dump(mode="json") for m in result.model]),
            event_id,
        ),
    ).fetchone()
    check_id = str(row["id"])
    conn.execute(
        "UPDATE checks SET data_enc = %s WHERE id = %s",
        (cipher.seal("check", check_id, json.dumps(result.data, default=str).encode()), check_id),
    )
    return check_id


def load_results(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, step, check_name, status, score, warnings, data_enc, duration_ms, model "
        "FROM checks WHERE session_id = %s ORDER BY created_at, step",
        (session_id,),
    ).fetchall()
    out = []
    for r in rows:
        data = (
            json.loads(cipher.open("check", str(r["id"]), r["data_enc"])) if r["data_enc"] else {}
        )
        out.append(
            {
                "check_id": str(r["id"]),
                "check": r["check_name"],
                "step": r["step"],
                "status": r["status"],
                "score": r["score"],
                "warnings": r["warnings"],
                "data": data,
                "duration_ms": r["duration_ms"],
                "model": r["model"],
            }
        )
    return out
