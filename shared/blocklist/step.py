"""The `blocklist` workflow step: the session's email, phone, document number and face
against the tenant's blocklist; the face is also searched 1:N against the tenant's other
sessions (`POSSIBLE_DUPLICATE_USER`) and its template kept for later searches."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.blocklist.session_values import session_values
from shared.blocklist.store import is_blocked, is_blocked_engine_hash
from shared.checks.result import CheckResult, CheckWarning, Severity, status_of
from shared.faces.check import FaceSearchParams
from shared.sessions.check_inputs import CheckInputs

IN_BLOCKLIST = "IN_BLOCKLIST"


class BlocklistParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: list[str] = ["email", "phone", "document_number", "face"]
    face: FaceSearchParams = Field(default_factory=FaceSearchParams)


def blocklist_step(inputs: CheckInputs) -> CheckResult:
    params = BlocklistParams.model_validate(inputs.params)
    values = session_values(inputs.conn, inputs.cipher, str(inputs.session.id))
    hits: list[str] = []
    checked: list[str] = []
    for kind in params.kinds:
        if kind == "face" or kind not in values:
            continue
        checked.append(kind)
        if is_blocked(inputs.conn, inputs.cipher, kind, values[kind]):
            hits.append(kind)
    engine_hash = values.get("document_engine_hash")
    if (
        "document_number" in params.kinds
        and engine_hash
        and "document_number" not in hits
        and is_blocked_engine_hash(inputs.conn, engine_hash)
    ):
        hits.append("document_number")
    warnings = [
        CheckWarning(
            code=IN_BLOCKLIST,
            severity=Severity.error,
            message=f"the session's {kind.replace('_', ' ')} is blocklisted",
        )
        for kind in hits
    ]
    data: dict[str, Any] = {"checked": checked, "matched": hits}
    model = []
    if "face" in params.kinds:
        from shared.faces.step import face_search

        face = face_search(inputs, params.face)
        if face is not None:
            checked.append("face")
            data["face"] = face.data
            model = face.model
            warnings.extend(face.warnings)
            if IN_BLOCKLIST in face.warning_codes():
                hits.append("face")
    data["not_available"] = [k for k in params.kinds if k not in checked]
    status = status_of(warnings)
    return CheckResult(
        check="blocklist",
        status=status,
        score=0.0 if hits else 100.0,
        warnings=warnings,
        data=data,
        model=model,
    )
