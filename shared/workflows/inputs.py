"""Which uploads each check needs and takes: submit refuses a session whose required steps
lack what they need, and uploads are refused when no step waits for them."""

from __future__ import annotations

from shared.sessions.sniff import ARTIFACT_KINDS
from shared.workflows.definition import WorkflowDefinition

# Each check's needs: every group must be met by one upload of any kind in the group.
NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "id_document": (("document_front",),),
    "face_match": (("selfie",),),
    "passive_liveness": (("selfie",),),
    "age_estimation": (("selfie",),),
    "active_liveness": (("liveness_frames", "liveness_video"),),
    "proof_of_address": (("address_document",),),
    "nfc": (("nfc_sod",), ("nfc_dg1",)),
}
_NFC = tuple(k for k in ARTIFACT_KINDS if k.startswith("nfc_"))
# What each check may use beyond its needs.
EXTRA: dict[str, tuple[str, ...]] = {
    "id_document": ("document_back",),
    "active_liveness": ("selfie",),
    "nfc": _NFC + ("selfie",),
    "blocklist": ("selfie",),  # the face is searched in the tenant's face blocklist
}


def takes(check: str) -> set[str]:
    return {k for group in NEEDS.get(check, ()) for k in group} | set(EXTRA.get(check, ()))


def missing_inputs(
    wf: WorkflowDefinition, uploaded: set[str], only: set[str] | None = None
) -> list[dict[str, object]]:
    """One `{pointer, detail, missing}` per required step (of `only`, else all) without
    what it needs. A conditional step may never run: its uploads are not demanded up front
    (when it runs without them it reports what it lacks)."""
    out: list[dict[str, object]] = []
    for i, step in enumerate(wf.steps):
        if not step.required or step.when is not None:
            continue
        if only is not None and step.step_id not in only:
            continue
        unmet = [g for g in NEEDS.get(step.check, ()) if not set(g) & uploaded]
        if unmet:
            kinds = [" or ".join(g) for g in unmet]
            out.append(
                {
                    "pointer": f"/steps/{i}",
                    "detail": f"step {step.step_id} ({step.check}) needs an upload of kind "
                    + ", ".join(kinds),
                    "missing": [k for g in unmet for k in g],
                }
            )
    return out


def steps_taking(wf: WorkflowDefinition, kind: str, step_ids: set[str] | None = None) -> list[str]:
    """The steps (of `step_ids`, else all) that use an upload of this kind."""
    return [
        s.step_id
        for s in wf.steps
        if (step_ids is None or s.step_id in step_ids) and kind in takes(s.check)
    ]
