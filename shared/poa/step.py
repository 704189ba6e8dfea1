"""The proof-of-address engine on the platform: the `proof_of_address` step, with the
expected name and address from the session and the holder name read from the document."""

from __future__ import annotations

import datetime as dt

from shared.checks.result import CheckResult, error_result
from shared.poa.check import run_proof_of_address
from shared.poa.params import ProofOfAddressParams
from shared.sessions.check_inputs import CheckInputs

NO_ADDRESS_DOCUMENT = "POA_NO_DOCUMENT"


class SessionPoaContext:
    def __init__(self, inputs: CheckInputs) -> None:
        self.inputs = inputs

    def today(self) -> dt.date:
        return self.inputs.session.created_at.date()

    def document_name(self) -> str | None:
        mrz = self.inputs.document_mrz()
        parts = [mrz.get("given_names"), mrz.get("surname")]
        name = " ".join(p for p in parts if p)
        return name or None


def proof_of_address_step(inputs: CheckInputs) -> CheckResult:
    params = ProofOfAddressParams.model_validate(inputs.params)
    document = inputs.latest("address_document")
    if document is None:
        return error_result(
            "proof_of_address", NO_ADDRESS_DOCUMENT, "no address_document was uploaded"
        )
    e = inputs.expected
    name = " ".join(p for p in ((e.first_name, e.last_name) if e else ()) if p) or None
    return run_proof_of_address(
        document,
        params,
        SessionPoaContext(inputs),
        expected_name=name,
        expected_address=e.address if e else None,
    )
