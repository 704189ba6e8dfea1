"""The decision says who decided and why; info codes are no reason."""

from __future__ import annotations

from shared.workflows.decision import StepOutcome, decide
from shared.workflows.definition import WorkflowDefinition


def test_info_codes_are_not_reasons():
    wf = WorkflowDefinition.model_validate({"name": "w", "steps": [{"check": "id_document"}]})
    out = StepOutcome(
        step="id_document",
        check="id_document",
        required=True,
        status="warning",
        warning_codes=["MRZ_REPAIRED", "IMAGE_BLURRY"],
        info_codes=["MRZ_REPAIRED"],
    )
    d = decide(wf, [out])
    assert d.reason_codes == ["IMAGE_BLURRY"] and d.decided_by == "rules"
