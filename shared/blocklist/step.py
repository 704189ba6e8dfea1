"""The `blocklist` workflow step: the session's email, phone and document number against the
tenant's blocklist (faces are searched by the face engine's own step)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared.blocklist.session_values import session_values
from shared.blocklist.store import is_blocked, is_blocked_engine_hash
from shared.checks.result import CheckResult, CheckStatus, CheckWarning, Severity
from shared.checks.runner import CheckInputs

IN_BLOCKLIST = "IN_BLOCKLIST"


class BlocklistParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: list[str] = ["email", "phone", "document_number"]


def blocklist_step(inputs: CheckInputs) -> CheckResult:
    params = BlocklistParams.model_validate(inputs.params)
    values = session_values(inputs.conn, inputs.cipher, str(inputs.session.id))
    hits: list[str] = []
    checked: list[str] = []
    for kind in params.kinds:
        if kind not in values:
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
    return CheckResult(
        check="blocklist",
        status=CheckStatus.failed if hits else CheckStatus.passed,
        score=0.0 if hits else 100.0,
        warnings=warnings,
        data={
            "checked": checked,
            "matched": hits,
            "not_available": [k for k in params.kinds if k not in values],
        },
    )
