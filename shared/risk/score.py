"""Signals and the score: each signal has a code, a value and its evidence; the score is the
sum of the contributions of the signals (capped at 100), never an opaque number."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from shared.checks.result import CheckResult, CheckStatus, CheckWarning, Severity
from shared.risk.params import RiskParams

CHECK = "risk"


class Signal(BaseModel):
    code: str
    value: Any
    evidence: dict[str, Any] = Field(default_factory=dict)
    contribution: int = 0


def scored(signals: list[Signal], params: RiskParams) -> list[Signal]:
    return [s.model_copy(update={"contribution": params.weight(s.code)}) for s in signals]


def risk_result(
    signals: list[Signal], params: RiskParams, countries: dict[str, str | None]
) -> CheckResult:
    """The check's result: score = Σ contributions (≤ 100); `warning` from `review_at`,
    `failed` from `fail_at`. The countries are kept for step-up conditions."""
    signals = scored(signals, params)
    score = float(min(100, sum(s.contribution for s in signals)))
    if params.fail_at is not None and score >= params.fail_at:
        status, severity = CheckStatus.failed, Severity.error
    elif score >= params.review_at:
        status, severity = CheckStatus.warning, Severity.warning
    else:
        status, severity = CheckStatus.passed, Severity.info
    warnings = [
        CheckWarning(code=s.code, severity=severity, message=f"adds {s.contribution} to the score")
        for s in signals
        if s.contribution > 0
    ]
    return CheckResult(
        check=CHECK,
        status=status,
        score=score,
        warnings=warnings,
        data={
            "score_scale": "0-100",
            "risk_score": score,
            "signals": [s.model_dump(mode="json") for s in signals],
            "countries": countries,
        },
    )
