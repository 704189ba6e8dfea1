"""One score scale for every check: 0–100, higher is better evidence for what the check
verifies. Engines keep their own figures; results are put on the API's scale here, at the
boundary (the workflow step runner, the standalone endpoint and `idmesh check`).

| check | score (0–100) |
|---|---|
| `id_document` | mean read confidence of the key fields (engine: 0–1, × 100) |
| `face_match` | calibrated similarity of the selfie and the reference face |
| `passive_liveness` | 100 − presentation-attack cue strength |
| `active_liveness` | share of the challenge's moves seen in order |
| `age_estimation` | none: the estimate is `data.age` (interval `data.age_low`–`data.age_high`) |
| `aml` | best list match (engine: 0–1, × 100): higher is a closer match to a listed name |
| `proof_of_address` | document confidence after tamper signals (engine: 0–1, × 100) |
| `email`, `phone` | 100 when the code was verified |
| `blocklist` | 100 when nothing matched, 0 on a hit |
| `nfc` | none (the outcome is `data.assurance`) |
"""

from __future__ import annotations

from shared.checks.result import CheckResult

FRACTION_SCORES = frozenset({"id_document", "aml", "proof_of_address"})  # engines say 0–1
NO_SCORE = frozenset({"age_estimation"})  # the engine's figure is not a score


def fraction_on_api_scale(score: float | None) -> float | None:
    """An engine's 0–1 figure on the API's 0–100 scale (stored AML hit scores, ...)."""
    if score is None:
        return None
    return round(min(1.0, max(0.0, float(score))) * 100.0, 1)


def on_api_scale(result: CheckResult) -> CheckResult:
    """The result with its score on 0–100 (idempotent on `data.score_scale`)."""
    if result.data.get("score_scale") == "0-100" or result.score is None:
        return result
    score: float | None = result.score
    if result.check in FRACTION_SCORES:
        score = fraction_on_api_scale(score)
    elif result.check in NO_SCORE:
        score = None
    else:
        score = round(min(100.0, max(0.0, score)), 2)
    return result.model_copy(
        update={"score": score, "data": {**result.data, "score_scale": "0-100"}}
    )
