"""The values of a session that a blocklist can name: the verified email and phone, the
document number read by `id_document`."""

from __future__ import annotations

import psycopg

from shared.contact.otp import latest_state
from shared.crypto.envelope import TenantCipher
from shared.sessions.results import load_results


def session_values(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str
) -> dict[str, str]:
    values: dict[str, str] = {}
    for channel in ("email", "phone"):
        state = latest_state(conn, cipher, session_id, channel)
        if state is not None and state.verified:
            values[channel] = state.target
    for r in load_results(conn, cipher, session_id):
        if r["check"] == "id_document" and r["status"] != "pending":
            number = (r["data"].get("mrz") or {}).get("document_number") or (
                (r["data"].get("fields") or {}).get("document_number") or {}
            ).get("value")
            if number:
                values["document_number"] = str(number)
            if r["data"].get("document_hash"):
                values["document_engine_hash"] = str(r["data"]["document_hash"])
    return values
