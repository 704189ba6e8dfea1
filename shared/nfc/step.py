"""The NFC engine on the platform: Active Authentication challenges bound to a session, the
context the rules need (single-use nonce, the document's MRZ, the selfie), the `nfc` step."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime, timedelta

import psycopg

from shared.checks.result import CheckResult, error_result
from shared.crosscheck import compare_expected
from shared.nfc.aa import new_nonce
from shared.nfc.check import AaResponse, NfcParams, run_nfc
from shared.nfc.trust import PgTrustStore
from shared.sessions.check_inputs import CheckInputs

CHALLENGE_TTL = timedelta(minutes=10)
NFC_NO_CHIP_DATA = "NFC_NO_CHIP_DATA"


def issue_aa_challenge(
    conn: psycopg.Connection, tenant_id: str, session_id: str
) -> tuple[str, datetime]:
    nonce = new_nonce().hex()
    expires = datetime.now(UTC) + CHALLENGE_TTL
    conn.execute(
        "INSERT INTO challenges (tenant_id, session_id, kind, nonce, expires_at) "
        "VALUES (%s, %s, 'nfc_aa', %s, %s)",
        (tenant_id, session_id, nonce, expires),
    )
    return nonce, expires


class SessionNfcContext:
    """NfcContext on Postgres (RLS-scoped connection of the running step)."""

    def __init__(self, inputs: CheckInputs, face_match=None) -> None:
        self.inputs = inputs
        self._face_match = face_match

    def consume_nonce(self, nonce: bytes) -> bool:
        row = self.inputs.conn.execute(
            "UPDATE challenges SET used_at = now() WHERE session_id = %s AND kind = 'nfc_aa' "
            "AND nonce = %s AND used_at IS NULL AND expires_at > now() RETURNING id",
            (str(self.inputs.session.id), nonce.hex()),
        ).fetchone()
        return row is not None

    def document_mrz(self) -> dict | None:
        return self.inputs.document_mrz() or None

    def face_match(self, dg2_jpeg: bytes) -> CheckResult | None:
        return self._face_match(self.inputs, dg2_jpeg) if self._face_match else None

    def today(self) -> dt.date:
        return self.inputs.session.created_at.date()


def _latest_nonce(conn: psycopg.Connection, session_id: str) -> bytes | None:
    row = conn.execute(
        "SELECT nonce FROM challenges WHERE session_id = %s AND kind = 'nfc_aa' "
        "ORDER BY created_at DESC LIMIT 1",
        (session_id,),
    ).fetchone()
    return bytes.fromhex(row["nonce"]) if row else None


_trust: PgTrustStore | None = None


def trust_store() -> PgTrustStore:
    """The platform's CSCA/CRL store in Postgres (re-read when an import changes its
    version), one per process."""
    global _trust
    if _trust is None:
        _trust = PgTrustStore()
    return _trust


def nfc_step(inputs: CheckInputs, face_match=None) -> CheckResult:
    params = NfcParams.model_validate(inputs.params)
    arts = inputs.artifacts()
    files = {
        kind: blobs[-1]
        for kind, blobs in arts.items()
        if kind.startswith("nfc_") and kind != "nfc_aa_signature"
    }
    if not files:
        return error_result("nfc", NFC_NO_CHIP_DATA, "no chip data groups were uploaded")
    aa = None
    signature = (arts.get("nfc_aa_signature") or [None])[-1]
    nonce = _latest_nonce(inputs.conn, str(inputs.session.id))
    if signature is not None and nonce is not None:
        aa = AaResponse(nonce=nonce, signature=signature)
    result = run_nfc(files, params, SessionNfcContext(inputs, face_match), trust_store(), aa=aa)
    return compare_expected(result, inputs.expected)
