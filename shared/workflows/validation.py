"""What a workflow must satisfy beyond its shape before it is stored: each step's params
validate against its check's model (unknown keys refused), rules name codes their steps can
report, and steps that need another step's output wait for it. Every error carries the JSON
pointer of the field at fault.

Stored versions are not re-checked on read: a workflow saved before a rule tightened still
runs (its step reports `INVALID_STEP_PARAMS` when its params no longer validate).
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.checks.catalogue import codes_of
from shared.errors import json_pointer
from shared.workflows.definition import WorkflowDefinition

# The parameter model of each check ("module:Class"), imported when first needed.
PARAMS: dict[str, str] = {
    "id_document": "shared.documents.params:IdDocumentParams",
    "face_match": "shared.faces.check:FaceMatchParams",
    "passive_liveness": "shared.faces.check:PassiveLivenessParams",
    "active_liveness": "shared.faces.check:ActiveLivenessParams",
    "age_estimation": "shared.faces.check:AgeEstimationParams",
    "aml": "shared.aml.check:AmlParams",
    "nfc": "shared.nfc.check:NfcParams",
    "proof_of_address": "shared.poa.params:ProofOfAddressParams",
    "email": "shared.contact.checks:EmailParams",
    "phone": "shared.contact.checks:PhoneParams",
    "blocklist": "shared.blocklist.step:BlocklistParams",
}
# Steps that use what another check produced: face_match compares the selfie with the
# portrait the id_document step cut out.
NEEDS_STEP: dict[str, str] = {"face_match": "id_document"}


def params_model(check: str) -> type[BaseModel]:
    module, _, name = PARAMS[check].partition(":")
    return getattr(importlib.import_module(module), name)


def _params_errors(i: int, check: str, params: dict[str, Any]) -> list[dict[str, str]]:
    try:
        params_model(check).model_validate_json(json.dumps(params), strict=True)
    except ValidationError as exc:
        return [
            {
                "pointer": json_pointer(("steps", i, "params", *e["loc"])),
                "detail": e["msg"]
                if e["type"] != "extra_forbidden"
                else (f"{check} has no parameter {e['loc'][-1]!r}"),
            }
            for e in exc.errors(include_url=False, include_input=False)
        ]
    return []


def workflow_errors(wf: WorkflowDefinition) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    for i, step in enumerate(wf.steps):
        errors += _params_errors(i, step.check, step.params)
        needed = NEEDS_STEP.get(step.check)
        if needed and not any(wf.step(sid).check == needed for sid in wf.upstream(step.step_id)):
            errors.append(
                {
                    "pointer": f"/steps/{i}/after",
                    "detail": f"{step.check} needs a {needed} step to run first: add the "
                    f"{needed} step's id to `after`",
                }
            )
    ids = {s.step_id: s.check for s in wf.steps}
    for j, rule in enumerate(wf.rules):
        c = rule.when
        if c.check and c.check not in ids and c.check not in ids.values():
            errors.append(
                {
                    "pointer": f"/rules/{j}/if/check",
                    "detail": f"{c.check!r} is neither a step id nor a check of this workflow",
                }
            )
            continue
        if c.warning:
            steps = [check for sid, check in ids.items() if not c.check or c.check in (sid, check)]
            if not any(c.warning in codes_of(check) for check in steps):
                errors.append(
                    {
                        "pointer": f"/rules/{j}/if/warning",
                        "detail": f"no step this rule looks at ({', '.join(sorted(set(steps)))})"
                        f" can report {c.warning} (see GET /v1/codes)",
                    }
                )
    return errors
