"""The document engine on the platform: the tenant-side rules' context on Postgres (RLS),
the `id_document` step, and recording the document's fingerprint for duplicate checks."""

from __future__ import annotations

import datetime as dt

from shared.blocklist.document_numbers import document_hash
from shared.blocklist.store import is_blocked_engine_hash
from shared.checks.result import CheckResult, error_result
from shared.crosscheck import compare_expected
from shared.documents.check import run_id_document
from shared.documents.params import IdDocumentParams
from shared.sessions.artifacts import store_artifact
from shared.sessions.check_inputs import CheckInputs

NO_DOCUMENT_IMAGE = "NO_DOCUMENT_IMAGE"
PORTRAIT_KIND = "document_portrait"


class SessionDocumentContext:
    """DocumentContext for one session's step."""

    def __init__(self, inputs: CheckInputs) -> None:
        self.inputs = inputs

    def is_blocklisted_document(self, number_hash: str) -> bool:
        return is_blocked_engine_hash(self.inputs.conn, number_hash)

    def sessions_with_document(self, number_hash: str) -> list[str]:
        rows = self.inputs.conn.execute(
            "SELECT session_id FROM document_uses WHERE engine_hash = %s AND session_id <> %s",
            (number_hash, str(self.inputs.session.id)),
        ).fetchall()
        return [str(r["session_id"]) for r in rows]

    def store_portrait(self, jpeg: bytes) -> str:
        return store_artifact(
            self.inputs.conn,
            self.inputs.cipher,
            str(self.inputs.session.id),
            PORTRAIT_KIND,
            "image/jpeg",
            jpeg,
        )

    def today(self) -> dt.date:
        return self.inputs.session.created_at.date()


def fingerprint_of(result: CheckResult) -> str | None:
    fields = result.data.get("fields") or {}
    number = (fields.get("document_number") or {}).get("value")
    if not number:
        return None
    country = (fields.get("issuing_country") or {}).get("value") or ""
    return document_hash(country, result.data.get("document_type") or "", number)


def id_document_step(inputs: CheckInputs) -> CheckResult:
    params = IdDocumentParams.model_validate(inputs.params)
    front = inputs.latest("document_front")
    if front is None:
        return error_result("id_document", NO_DOCUMENT_IMAGE, "no document_front was uploaded")
    back = inputs.latest("document_back")
    result = compare_expected(
        run_id_document(front, back, params, SessionDocumentContext(inputs)), inputs.expected
    )
    fp = fingerprint_of(result)
    if fp is not None:
        result.data["document_hash"] = fp
        inputs.conn.execute(
            "INSERT INTO document_uses (tenant_id, session_id, engine_hash) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (inputs.tenant_id, str(inputs.session.id), fp),
        )
    return result
