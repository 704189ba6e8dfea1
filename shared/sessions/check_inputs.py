"""What a check adapter may use: the session, its artifacts, earlier results and the step's
params (from the stored workflow, never from an event). The check runner builds it inside the
tenant's transaction; every engine's workflow step takes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from shared.checks.result import CheckResult
from shared.crypto.envelope import TenantCipher
from shared.platform import Platform
from shared.sessions.artifacts import load_artifacts
from shared.sessions.results import load_results
from shared.sessions.store import Expected, SessionRow


@dataclass
class CheckInputs:
    """What a check adapter may use: the session, its artifacts, earlier results, params."""

    conn: psycopg.Connection
    platform: Platform
    cipher: TenantCipher
    tenant_id: str
    session: SessionRow
    params: dict[str, Any]
    expected: Expected | None
    step: str

    def artifacts(self, *kinds: str) -> dict[str, list[bytes]]:
        return load_artifacts(self.conn, self.cipher, str(self.session.id), list(kinds) or None)

    def latest(self, kind: str) -> bytes | None:
        """The newest upload of one kind (a re-upload replaces the earlier one)."""
        blobs = self.artifacts(kind).get(kind) or []
        return blobs[-1] if blobs else None

    def prior_result(self, check: str) -> dict[str, Any] | None:
        for r in load_results(self.conn, self.cipher, str(self.session.id)):
            if r["check"] == check and r["status"] != "pending":
                return r
        return None

    def document_mrz(self) -> dict[str, Any]:
        """The MRZ fields the session's `id_document` step read ({} when none)."""
        doc = self.prior_result("id_document")
        return (doc or {}).get("data", {}).get("mrz") or {}


# A workflow step: one engine's adapter from the session's inputs to a check result.
Adapter = Callable[[CheckInputs], CheckResult]
